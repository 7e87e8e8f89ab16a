/*
 * The local data-plane agent (src/agent) both runs a site's instances and routes its traffic, and
 * takes a site's whole desired state in one call. The local target and the local router share one
 * AgentSites: each changes its half (releases and faults, or weights, matches and preview) and the
 * other half is sent as last known, or as the agent holds it after a control-plane restart, so
 * the agent never sees a split that names a version it does not run.
 */
import type { AgentClient } from '../../agent/client.ts';
import { AgentError } from '../../agent/client.ts';
import type { ReleaseDesired, SiteDesired } from '../../agent/desired.ts';
import type { SiteStatus } from '../../agent/site.ts';
import type { RouteMatch, Routes } from '../../routers/router.ts';
import type { FaultSpec, ReleaseInstances } from '../target.ts';
import { TargetError } from '../target.ts';

/** The agent's public port (and preview port) of a site. */
export interface Listener {
  readonly port: number;
  readonly previewPort?: number;
}

/** What the agent was last given for a site. */
interface SiteHalves {
  releases: readonly ReleaseDesired[];
  faults: Readonly<Record<string, FaultSpec>>;
  weights: Readonly<Record<string, number>>;
  matches: readonly RouteMatch[];
  preview: string | null;
}

/** The agent's sites as this control plane last set them. */
export class AgentSites {
  readonly #agent: () => AgentClient;
  readonly #listener: (service: string, environment: string) => Listener;
  readonly #known = new Map<string, SiteHalves>();

  constructor(agent: () => AgentClient, listener: (service: string, environment: string) => Listener) {
    this.#agent = agent;
    this.#listener = listener;
  }

  get client(): AgentClient {
    return this.#agent();
  }

  /** The agent's status of a site, or undefined when it has none. */
  async status(service: string, environment: string): Promise<SiteStatus | undefined> {
    try {
      return await this.#agent().site(service, environment);
    } catch (err) {
      if (err instanceof AgentError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Runs exactly `releases` (with `faults`); the split keeps what is in force, within the versions that run. */
  async setReleases(
    service: string,
    environment: string,
    releases: readonly ReleaseInstances[],
    faults: Readonly<Record<string, FaultSpec>>,
    fence?: number,
  ): Promise<void> {
    const last = await this.#halves(service, environment);
    const desired = releases.map(releaseDesired);
    const versions = desired.map((r) => r.version);
    const next: SiteHalves = {
      releases: desired,
      faults,
      weights: keepWeights(last?.weights ?? {}, versions),
      matches: (last?.matches ?? []).filter((m) => versions.includes(m.version)),
      preview: last?.preview != null && versions.includes(last.preview) ? last.preview : null,
    };
    await this.#apply(service, environment, next, fence);
  }

  /** Puts `routes` in force; only the weights when nothing else changed (the agent's fast path). */
  async setRoutes(service: string, environment: string, routes: Routes, fence?: number): Promise<void> {
    const last = await this.#halves(service, environment);
    const next: SiteHalves = {
      releases: last?.releases ?? [],
      faults: last?.faults ?? {},
      weights: routes.weights,
      matches: routes.matches ?? [],
      preview: routes.preview ?? null,
    };
    if (
      last &&
      JSON.stringify(last.matches) === JSON.stringify(next.matches) &&
      last.preview === next.preview
    ) {
      if (JSON.stringify(last.weights) === JSON.stringify(next.weights) && fence === undefined) return;
      await this.#agent().setWeights(service, environment, { ...routes.weights }, fence);
      this.#known.set(siteKey(service, environment), next);
      return;
    }
    await this.#apply(service, environment, next, fence);
  }

  async #apply(service: string, environment: string, next: SiteHalves, fence?: number): Promise<void> {
    const listener = this.#listener(service, environment);
    await this.#agent().apply(
      {
        service,
        environment,
        port: listener.port,
        ...(listener.previewPort === undefined ? {} : { previewPort: listener.previewPort }),
        releases: next.releases,
        weights: next.weights,
        match: next.matches,
        preview: next.preview,
        faults: next.faults,
      },
      fence,
    );
    this.#known.set(siteKey(service, environment), next);
  }

  /** What the agent was last given: remembered, else read back from the agent (after a restart). */
  async #halves(service: string, environment: string): Promise<SiteHalves | undefined> {
    const known = this.#known.get(siteKey(service, environment));
    if (known) return known;
    const status = await this.status(service, environment);
    return status ? halvesOf(status.desired) : undefined;
  }
}

function halvesOf(d: SiteDesired): SiteHalves {
  return {
    releases: d.releases,
    faults: d.faults,
    weights: d.weights,
    matches: d.match,
    preview: d.preview,
  };
}

function siteKey(service: string, environment: string): string {
  return `${service}\u0000${environment}`;
}

function releaseDesired(r: ReleaseInstances): ReleaseDesired {
  if (r.artifact.type !== 'process')
    throw new TargetError(
      `the local target runs process bundles, not the image ${r.artifact.image} (use a kubernetes target)`,
    );
  return {
    version: r.version,
    revision: r.revision,
    command: r.artifact.command,
    cwd: r.artifact.cwd,
    env: r.env,
    replicas: r.replicas,
    health: r.health,
    ...(r.readinessTimeoutMs === undefined ? {} : { readinessTimeoutMs: r.readinessTimeoutMs }),
  };
}

/**
 * The split in force, kept to the versions that run: weight of a version that stops goes to the
 * heaviest one that stays (or the first, when none had any). Sums to 1000 when anything runs.
 */
export function keepWeights(
  weights: Readonly<Record<string, number>>,
  versions: readonly string[],
): Record<string, number> {
  if (versions.length === 0) return {};
  const kept = Object.fromEntries(versions.filter((v) => (weights[v] ?? 0) > 0).map((v) => [v, weights[v]!]));
  const missing = 1000 - Object.values(kept).reduce((a, b) => a + b, 0);
  if (missing > 0) {
    const heir = [...versions].sort((a, b) => (kept[b] ?? 0) - (kept[a] ?? 0))[0]!;
    kept[heir] = (kept[heir] ?? 0) + missing;
  }
  return kept;
}
