import { mkdirSync } from 'node:fs';
import { systemClock, type Clock } from '../engine/clock.ts';
import { signalGroup } from '../executors/local/process-group.ts';
import { agentDirFiles, type AgentDirFiles } from './agent-dir.ts';
import {
  DesiredError,
  siteId,
  validateFaultSpec,
  validateSiteDesired,
  validateWeights,
  type FaultSpec,
  type SiteDesired,
} from './desired.ts';
import { PortInUseError, StaleFenceError, UnknownSiteError } from './errors.ts';
import { findLeftovers, GroupLedger, killLeftovers, type GroupRecord } from './leftovers.ts';
import { RequestMetrics } from './metrics/request-metrics.ts';
import type { VersionSnapshot } from './metrics/version-snapshot.ts';
import { allocatePort, portFree } from './ports.ts';
import { instanceSpecs, Site, type SiteStatus } from './site.ts';
import { readState, writeJsonAtomic, type PersistedSite, type PersistedState } from './state-file.ts';
import {
  instanceKey,
  InstanceSpecError,
  resolveInstanceSpec,
  specFingerprint,
} from './supervisor/instance-spec.ts';
import { waitGroupGone } from './supervisor/process-table.ts';
import type { InstanceEvent } from './supervisor/instance-status.ts';
import type { WeightedProxy } from './router/proxy.ts';

/** Something notable the agent did, for its log. Never carries environment values or the token. */
export type AgentEvent =
  | { readonly type: 'instance'; readonly site: string; readonly event: InstanceEvent }
  | {
      readonly type: 'site-applied' | 'site-recovered';
      readonly site: string;
      readonly versions: readonly string[];
      readonly weights: Readonly<Record<string, number>>;
    }
  | { readonly type: 'weights'; readonly site: string; readonly weights: Readonly<Record<string, number>> }
  | {
      readonly type: 'faults';
      readonly site: string;
      readonly version: string;
      readonly faults: FaultSpec | null;
    }
  | { readonly type: 'site-removed'; readonly site: string }
  | { readonly type: 'site-error'; readonly site: string; readonly message: string }
  | { readonly type: 'leftover-killed'; readonly group: GroupRecord };

/** How an agent is built. */
export interface AgentOptions {
  /** Holds `desired.json`, `pgids.json` and `logs/`. */
  readonly dir: string;
  readonly onEvent?: (event: AgentEvent) => void;
  readonly clock?: Clock;
}

/**
 * The local data plane: one weighted router per site (and preview port), the instances behind them,
 * and the metrics of all. Every change is persisted to `desired.json` before it is acted on, so a
 * restarted agent converges to the last desired state.
 */
export class Agent {
  readonly dir: string;
  /** Shared by the routers of every site; series carry `service`, `version` and `environment`. */
  readonly metrics = new RequestMetrics();
  readonly #files: AgentDirFiles;
  readonly #options: AgentOptions;
  readonly #ledger: GroupLedger;
  readonly #sites = new Map<string, Site>();
  #state: PersistedState = { format: 1, sites: {} };
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: AgentOptions) {
    this.dir = options.dir;
    this.#options = options;
    this.#files = agentDirFiles(options.dir);
    this.#ledger = new GroupLedger(this.#files.pgids);
  }

  /**
   * Loads `<dir>/desired.json`, ends the process groups a previous agent left behind, and converges to
   * the loaded state. A site whose port is taken keeps its instances and reports the error.
   *
   * @example const agent = await Agent.start({ dir: '/var/lib/runway/agent' })
   */
  static async start(options: AgentOptions): Promise<Agent> {
    const agent = new Agent(options);
    await agent.#recover();
    return agent;
  }

  /**
   * Validates and persists a site's desired state, then converges to it: routers, routes and faults at
   * once, instances started and stopped before it resolves (not yet ready). A public port that cannot
   * be bound throws PortInUseError and leaves the previous state of the site in force, on disk too.
   * With a `fence` lower than one the site already saw, throws StaleFenceError and changes nothing;
   * an apply that changes nothing is not logged.
   */
  async apply(input: unknown, fence?: number): Promise<SiteStatus> {
    const { site, converging, retired } = await this.#serially(async () => {
      const desired = validateSiteDesired(input);
      const id = siteId(desired.service, desired.environment);
      const current = this.#sites.get(id);
      const admitted = this.#admit(id, fence);
      this.#checkPorts(desired, id);
      const ports = await this.#allocate(desired, current);
      checkSpecs(desired, ports, this.#files.logs);
      const unchanged =
        current !== undefined &&
        JSON.stringify(current.desired) === JSON.stringify(desired) &&
        JSON.stringify(current.ports) === JSON.stringify(ports);

      const previous = this.#state;
      this.#persist(withSite(previous, id, { desired, ports, ...admitted }));
      const site = current ?? this.#newSite(desired, ports);
      let listeners;
      try {
        listeners = await site.openListeners(desired);
      } catch (err) {
        this.#persist(previous);
        throw err;
      }
      const retired = site.commit(desired, ports, listeners);
      this.#sites.set(id, site);
      const weights = desired.weights;
      if (!unchanged)
        this.#emit({
          type: 'site-applied',
          site: id,
          versions: desired.releases.map((r) => r.version),
          weights,
        });
      return { site, converging: site.converge(), retired };
    });
    await Promise.all([converging, ...retired.map((p: WeightedProxy) => p.close(1000))]);
    return site.status();
  }

  /**
   * Sets a site's weights alone: persisted, and in force on the router before it resolves. A stale
   * `fence` throws StaleFenceError; setting the weights in force again is not logged.
   */
  setWeights(service: string, environment: string, weights: unknown, fence?: number): Promise<SiteStatus> {
    return this.#serially(async () => {
      const site = this.#site(service, environment);
      const admitted = this.#admit(site.id, fence);
      const next = freeze({ ...site.desired, weights: validateWeights(weights, site.desired) });
      const unchanged = JSON.stringify(next.weights) === JSON.stringify(site.desired.weights);
      this.#persist(withSite(this.#state, site.id, { desired: next, ports: site.ports, ...admitted }));
      site.update(next);
      if (!unchanged) this.#emit({ type: 'weights', site: site.id, weights: next.weights });
      return site.status();
    });
  }

  /** The fence to keep for a site after a write with `fence`; throws StaleFenceError on a lower one. */
  #admit(id: string, fence: number | undefined): { fence?: number } {
    const seen = this.#state.sites[id]?.fence;
    if (fence === undefined) return seen === undefined ? {} : { fence: seen };
    if (seen !== undefined && fence < seen) throw new StaleFenceError(id, fence, seen);
    return { fence };
  }

  /** Sets (or with `null` clears) the faults of one version of a site; persisted, in force at once. */
  setFaults(service: string, environment: string, version: string, spec: unknown): Promise<SiteStatus> {
    return this.#serially(async () => {
      const site = this.#site(service, environment);
      const faults = validateFaultSpec(spec, version, site.desired);
      const all = { ...site.desired.faults };
      if (faults === null) delete all[version];
      else all[version] = faults;
      const next = freeze({ ...site.desired, faults: all });
      this.#persist(
        withSite(this.#state, site.id, {
          desired: next,
          ports: site.ports,
          ...this.#admit(site.id, undefined),
        }),
      );
      site.update(next);
      this.#emit({ type: 'faults', site: site.id, version, faults });
      return site.status();
    });
  }

  /** Forgets a site: its routers stop listening at once, then its instances are stopped. */
  async remove(service: string, environment: string): Promise<void> {
    const stopping = await this.#serially(async () => {
      const site = this.#site(service, environment);
      const sites = { ...this.#state.sites };
      delete sites[site.id];
      this.#persist({ format: 1, sites });
      this.#sites.delete(site.id);
      this.#emit({ type: 'site-removed', site: site.id });
      return { done: site.stop() };
    });
    await stopping.done;
  }

  /** Every site, sorted by id. */
  status(): SiteStatus[] {
    return [...this.#sites.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((s) => s.status());
  }

  /** One site; throws UnknownSiteError. */
  siteStatus(service: string, environment: string): SiteStatus {
    return this.#site(service, environment).status();
  }

  /** Raw per-version counts of one site's traffic, for the built-in analysis provider. */
  snapshot(service: string, environment: string): readonly VersionSnapshot[] {
    this.#site(service, environment);
    return this.metrics.snapshot(service, environment);
  }

  /** Stops every router and instance (the desired state stays on disk for the next start). */
  stop(): Promise<void> {
    return this.#serially(async () => {
      const sites = [...this.#sites.values()];
      this.#sites.clear();
      await Promise.all(sites.map((s) => s.stop()));
    });
  }

  async #recover(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const state = readState(this.#files.desired);
    const adoptable = adoptableGroups(state, findLeftovers(this.#files.pgids), this.#files.logs);
    const keep = [...adoptable.values()];
    const killed = await killLeftovers(this.#files.pgids, { ...this.#clockOption(), keep });
    for (const group of killed) this.#emit({ type: 'leftover-killed', group });
    this.#ledger.adopted(keep);
    this.#state = state;
    const converging: Promise<void>[] = [];
    for (const [id, saved] of Object.entries(state.sites)) {
      // the ports of adoptable instances are taken by them, and still theirs
      const mine = keep.filter((g) => g.site === id);
      const held = new Set(mine.map((g) => g.port ?? 0));
      const ports = await this.#allocate(saved.desired, undefined, saved.ports, held);
      if (JSON.stringify(ports) !== JSON.stringify(saved.ports)) {
        this.#persist(
          withSite(this.#state, id, { desired: saved.desired, ports, ...this.#admit(id, undefined) }),
        );
      }
      const adopt = new Map<string, number>();
      for (const g of mine) {
        const version = g.key.slice(g.key.indexOf('/') + 1);
        if (ports[version] === g.port) adopt.set(g.key, g.pgid);
        else await this.#endGroup(g);
      }
      const site = this.#newSite(saved.desired, ports);
      this.#sites.set(id, site);
      const versions = saved.desired.releases.map((r) => r.version);
      this.#emit({ type: 'site-recovered', site: id, versions, weights: saved.desired.weights });
      try {
        site.commit(saved.desired, ports, await site.openListeners(saved.desired));
      } catch (err) {
        site.fail((err as Error).message);
        this.#emit({ type: 'site-error', site: id, message: (err as Error).message });
      }
      converging.push(site.converge(adopt));
    }
    await Promise.all(converging);
  }

  /** Ends a kept group that could not be adopted after all (its port moved). */
  async #endGroup(group: GroupRecord): Promise<void> {
    signalGroup(group.pgid, 'SIGKILL');
    await waitGroupGone(group.pgid, this.#options.clock ?? systemClock, 5000);
    this.#ledger.exited(group.site, group.key);
    this.#emit({ type: 'leftover-killed', group });
  }

  #newSite(desired: SiteDesired, ports: Readonly<Record<string, number>>): Site {
    return new Site(desired, ports, {
      metrics: this.metrics,
      logDir: this.#files.logs,
      onInstanceEvent: this.#onInstanceEvent,
      ...this.#clockOption(),
    });
  }

  /** Public ports may not be another site's, nor an instance's. */
  #checkPorts(desired: SiteDesired, id: string): void {
    for (const port of [desired.port, desired.previewPort]) {
      if (port === undefined) continue;
      for (const [otherId, other] of Object.entries(this.#state.sites)) {
        const taken =
          (otherId !== id && (other.desired.port === port || other.desired.previewPort === port)) ||
          Object.values(other.ports).includes(port);
        if (taken) throw new PortInUseError(port);
      }
    }
  }

  /**
   * Instance ports for every release × replica: the current allocation where still usable, a fresh
   * free port otherwise. A port is usable when its instance runs now or nobody holds it.
   */
  async #allocate(
    desired: SiteDesired,
    site: Site | undefined,
    saved: Readonly<Record<string, number>> = site?.ports ?? {},
    held: ReadonlySet<number> = new Set(),
  ): Promise<Record<string, number>> {
    const id = siteId(desired.service, desired.environment);
    const avoid = new Set<number>();
    for (const [otherId, other] of Object.entries(this.#state.sites)) {
      avoid.add(other.desired.port);
      if (other.desired.previewPort !== undefined) avoid.add(other.desired.previewPort);
      if (otherId !== id) for (const p of Object.values(other.ports)) avoid.add(p);
    }
    avoid.add(desired.port);
    if (desired.previewPort !== undefined) avoid.add(desired.previewPort);
    const running = new Set([...held, ...(site?.status().instances.map((i) => i.port) ?? [])]);
    const ports: Record<string, number> = {};
    for (const r of desired.releases) {
      for (let index = 0; index < r.replicas; index++) {
        const key = `${r.version}/${index}`;
        let port = saved[key];
        if (port === undefined || avoid.has(port) || !(running.has(port) || (await portFree(port)))) {
          port = await allocatePort(avoid);
        }
        avoid.add(port);
        ports[key] = port;
      }
    }
    return ports;
  }

  #site(service: string, environment: string): Site {
    const id = siteId(service, environment);
    const site = this.#sites.get(id);
    if (!site) throw new UnknownSiteError(id);
    return site;
  }

  #persist(state: PersistedState): void {
    writeJsonAtomic(this.#files.desired, state);
    this.#state = state;
  }

  readonly #onInstanceEvent = (site: string, event: InstanceEvent): void => {
    if (event.type === 'starting' && event.pgid !== null) {
      const fingerprint = this.#sites.get(site)?.fingerprintOf(event.key) ?? null;
      const port =
        this.#sites
          .get(site)
          ?.status()
          .instances.find((i) => i.key === event.key)?.port ?? null;
      this.#ledger.started(site, event.key, { pgid: event.pgid, port, fingerprint });
    }
    if (event.type === 'exited') this.#ledger.exited(site, event.key);
    this.#emit({ type: 'instance', site, event });
  };

  #emit(event: AgentEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // a broken listener must not disturb the agent
    }
  }

  #clockOption(): { clock?: Clock } {
    return this.#options.clock ? { clock: this.#options.clock } : {};
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function withSite(state: PersistedState, id: string, site: PersistedSite): PersistedState {
  return { format: 1, sites: { ...state.sites, [id]: site } };
}

/** Resolves every instance spec up front, so that nothing is persisted that the supervisor would refuse. */
function checkSpecs(desired: SiteDesired, ports: Readonly<Record<string, number>>, logDir: string): void {
  const issues: string[] = [];
  for (const spec of instanceSpecs(desired, ports, logDir)) {
    try {
      resolveInstanceSpec(spec);
    } catch (err) {
      if (!(err instanceof InstanceSpecError)) throw err;
      issues.push(...err.problems.map((p) => `releases[${spec.release.version}] ${p}`));
    }
  }
  if (issues.length > 0) throw new DesiredError(issues);
}

/**
 * The leftover groups a restarted agent can adopt, by instance key: recorded for the same site and
 * key, on the port the saved state gives it, started with a spec equal to the one it would start now.
 */
function adoptableGroups(
  state: PersistedState,
  leftovers: readonly GroupRecord[],
  logDir: string,
): Map<string, GroupRecord> {
  const adoptable = new Map<string, GroupRecord>();
  for (const [id, saved] of Object.entries(state.sites)) {
    for (const input of instanceSpecs(saved.desired, saved.ports, logDir)) {
      let spec;
      try {
        spec = resolveInstanceSpec(input);
      } catch {
        continue;
      }
      if (spec.secrets.length > 0) continue;
      const key = instanceKey(spec);
      const fingerprint = specFingerprint(spec);
      const group = leftovers.find(
        (g) => g.site === id && g.key === key && g.port === spec.port && g.fingerprint === fingerprint,
      );
      if (group) adoptable.set(`${id}#${key}`, group);
    }
  }
  return adoptable;
}

function freeze(desired: SiteDesired): SiteDesired {
  return Object.freeze(desired);
}
