/*
 * The local target: each release runs as process groups on this machine, supervised by the
 * data-plane agent (src/agent), which outlives the control plane and keeps serving what it was last
 * given. Instances listen on 127.0.0.1 ports the agent picks; only this folder knows that.
 */
import type { AgentClient } from '../../agent/client.ts';
import type { Backend, InstanceHealth, Target, TargetCapabilities, TargetSite } from '../target.ts';
import { TargetError } from '../target.ts';
import type { TargetContext, TargetSpec } from '../registry.ts';
import { AgentSites, type Listener } from './agent-sites.ts';
import { probeHealth } from './health-probe.ts';

/** `target: { kind: local }` as stored with an environment: where its router listens. */
export interface LocalTargetSpec extends TargetSpec {
  readonly kind: 'local';
  readonly port: number;
  readonly previewPort?: number;
}

/** The spec of an environment's local target, from what its record stores. */
export function localTargetSpec(env: { port: number; previewPort?: number }): LocalTargetSpec {
  return {
    kind: 'local',
    port: env.port,
    ...(env.previewPort === undefined ? {} : { previewPort: env.previewPort }),
  };
}

/** Processes on this machine, run by the local agent. */
export class LocalTarget implements Target {
  readonly kind = 'local';
  readonly capabilities: TargetCapabilities = Object.freeze({
    faultInjection: true,
    preview: true,
    processes: true,
    images: false,
  });
  /** Shared with the local router: the agent takes a site's releases and routes together. */
  readonly sites: AgentSites;

  constructor(agent: () => AgentClient, listener: (service: string, environment: string) => Listener) {
    this.sites = new AgentSites(agent, listener);
  }

  async apply(site: TargetSite, fence?: number): Promise<void> {
    for (const version of Object.keys(site.faults ?? {}))
      if (!site.releases.some((r) => r.version === version))
        throw new TargetError(`faults for ${version}, which is not among the releases to run`);
    await this.sites.setReleases(site.service, site.environment, site.releases, site.faults ?? {}, fence);
  }

  async instances(service: string, environment: string): Promise<readonly InstanceHealth[] | undefined> {
    const status = await this.sites.status(service, environment);
    return status?.instances.map((i) => ({
      version: i.version,
      index: i.index,
      ready: i.ready,
      crashLoop: i.crashLoop,
      restarts: i.restarts,
      state: i.state,
      address: `127.0.0.1:${i.port}`,
    }));
  }

  async probe(
    service: string,
    environment: string,
    version: string,
    path: string,
  ): Promise<boolean | undefined> {
    const status = await this.sites.status(service, environment).catch(() => undefined);
    const ready = (status?.instances ?? []).filter((i) => i.version === version && i.ready);
    if (ready.length === 0) return undefined;
    return (await Promise.all(ready.map((i) => probeHealth(i.port, path)))).every(Boolean);
  }

  async backends(service: string, environment: string): Promise<readonly Backend[]> {
    const status = await this.sites.status(service, environment);
    return (status?.instances ?? [])
      .filter((i) => i.ready)
      .map((i) => ({ version: i.version, address: `127.0.0.1:${i.port}` }));
  }
}

/** The registry's factory: one environment's local target on the control plane's agent. */
export function createLocalTarget(spec: TargetSpec, ctx: TargetContext): LocalTarget {
  const { port, previewPort } = spec as Partial<LocalTargetSpec>;
  if (typeof port !== 'number') throw new TargetError('a local target needs the port its router listens on');
  const agent = ctx.agent;
  if (!agent) throw new TargetError('the local target needs the data-plane agent, which is not running');
  return new LocalTarget(agent, () => ({ port, ...(previewPort === undefined ? {} : { previewPort }) }));
}
