/*
 * The built-in Node router: the weighted HTTP proxy inside the local data-plane agent, in front of
 * the local target's instances. It needs no software besides Runway, which is why it is the
 * default. It routes only the local target (the agent proxies to the instances it runs).
 */
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import { LocalTarget } from '../../targets/local/local-target.ts';
import type { RouterContext } from '../registry.ts';
import { FULL_WEIGHT, RouterError } from '../router.ts';
import type { RouterCapabilities, Routes, RouteSite, TrafficRouter } from '../router.ts';

/** The agent's weighted router, in force before `setRoutes` resolves. */
export class LocalRouter implements TrafficRouter {
  readonly kind = 'local';
  readonly capabilities: RouterCapabilities = Object.freeze({
    matches: true,
    preview: true,
    metrics: true,
    backends: false,
  });
  readonly #target: LocalTarget;

  constructor(target: LocalTarget) {
    this.#target = target;
  }

  async setRoutes(site: RouteSite, fence?: number): Promise<void> {
    const sum = Object.values(site.routes.weights).reduce((a, b) => a + b, 0);
    if (Object.keys(site.routes.weights).length > 0 && sum !== FULL_WEIGHT)
      throw new RouterError(`weights must sum to ${FULL_WEIGHT} (per-mille), got ${sum}`);
    await this.#target.sites.setRoutes(site.service, site.environment, site.routes, fence);
  }

  async getRoutes(service: string, environment: string): Promise<Routes | undefined> {
    const status = await this.#target.sites.status(service, environment);
    if (!status) return undefined;
    const weights: Record<string, number> = {};
    for (const b of status.routes?.backends ?? []) weights[b.version] = (weights[b.version] ?? 0) + b.weight;
    return {
      weights,
      ...(status.desired.match.length > 0 ? { matches: status.desired.match } : {}),
      preview: status.desired.preview,
    };
  }

  counts(service: string, environment: string): Promise<readonly VersionSnapshot[]> {
    return this.#target.sites.client.snapshot(service, environment);
  }
}

/** The registry's factory: the router of the environment's local target. */
export function createLocalRouter(_spec: unknown, ctx: RouterContext): LocalRouter {
  if (!(ctx.target instanceof LocalTarget))
    throw new RouterError(`the local router routes only a local target, not ${ctx.target.kind}`);
  return new LocalRouter(ctx.target);
}
