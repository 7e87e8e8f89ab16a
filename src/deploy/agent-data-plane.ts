/*
 * The local target: the DataPlane contract carried out by the data-plane agent (src/agent) over
 * its admin API. The agent persists what it is given, so it keeps serving if we go away.
 */
import type { AgentClient } from '../agent/client.ts';
import { AgentError } from '../agent/client.ts';
import type { VersionSnapshot } from '../agent/metrics/version-snapshot.ts';
import type { DataPlane, SiteSpec, SiteView } from './data-plane.ts';

/** A DataPlane backed by the local agent. */
export class AgentDataPlane implements DataPlane {
  #client: AgentClient;

  constructor(client: AgentClient) {
    this.#client = client;
  }

  /** Points at a (restarted) agent. */
  use(client: AgentClient): void {
    this.#client = client;
  }

  get client(): AgentClient {
    return this.#client;
  }

  async applySite(spec: SiteSpec, fence?: number): Promise<void> {
    await this.#client.apply(
      {
        service: spec.service,
        environment: spec.environment,
        port: spec.port,
        ...(spec.previewPort === undefined ? {} : { previewPort: spec.previewPort }),
        releases: spec.releases,
        weights: spec.weights,
        preview: spec.preview ?? null,
        faults: spec.faults ?? {},
      },
      fence,
    );
  }

  async setWeights(
    service: string,
    environment: string,
    weights: Record<string, number>,
    fence?: number,
  ): Promise<void> {
    await this.#client.setWeights(service, environment, weights, fence);
  }

  async site(service: string, environment: string): Promise<SiteView | undefined> {
    try {
      const status = await this.#client.site(service, environment);
      const weights: Record<string, number> = {};
      for (const b of status.routes?.backends ?? [])
        weights[b.version] = (weights[b.version] ?? 0) + b.weight;
      return {
        instances: status.instances.map((i) => ({
          version: i.version,
          index: i.index,
          port: i.port,
          ready: i.ready,
          crashLoop: i.crashLoop,
          restarts: i.restarts,
          state: i.state,
        })),
        weights,
      };
    } catch (err) {
      if (err instanceof AgentError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Raw per-version counts for the built-in analysis provider. */
  snapshot(service: string, environment: string): Promise<readonly VersionSnapshot[]> {
    return this.#client.snapshot(service, environment);
  }
}
