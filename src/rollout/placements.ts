/*
 * Where an environment's releases run and how its traffic is split: the Target and TrafficRouter
 * its stored record names, built once from their registries and kept while the record names the same.
 */
import type { EnvironmentRecord } from '../records/deployments.ts';
import type { RouterSpec } from '../routers/kinds.ts';
import { createRouter } from '../routers/registry.ts';
import type { TrafficRouter } from '../routers/router.ts';
import { localTargetSpec } from '../targets/local/local-target.ts';
import { ownsTraffic } from '../targets/kinds.ts';
import { createTarget } from '../targets/registry.ts';
import { NopRouter } from '../routers/router.ts';
import { NopTarget } from '../targets/target.ts';
import type { TargetContext } from '../targets/registry.ts';
import type { InstanceHealth, Target } from '../targets/target.ts';
import type { VersionSnapshot } from '../agent/metrics/version-snapshot.ts';

/** An environment's target and router. */
export interface Placement {
  readonly target: Target;
  readonly router: TrafficRouter;
}

/** The placement of an environment, by its record. */
export type PlacementOf = (env: EnvironmentRecord) => Placement;

const LOCAL_ROUTER: RouterSpec = { kind: 'local' };
const OWN_TRAFFIC: Placement = { target: new NopTarget(), router: new NopRouter() };

/**
 * Builds placements from the registries, one per environment, rebuilt when its record names
 * another target or router.
 *
 * @example const placementOf = placements({ log, agent: () => client }); placementOf(env).router
 */
export function placements(ctx: TargetContext): PlacementOf {
  const cache = new Map<string, { key: string; placement: Placement }>();
  return (env) => {
    // a target that does its own traffic runs nothing of Runway's (src/rollout/delegated/)
    if (ownsTraffic(env.target)) return OWN_TRAFFIC;
    const targetSpec = env.target ?? localTargetSpec(env);
    const routerSpec = env.router ?? LOCAL_ROUTER;
    const key = JSON.stringify([targetSpec, routerSpec]);
    const id = `${env.service}/${env.environment}`;
    const hit = cache.get(id);
    if (hit?.key === key) return hit.placement;
    const target = createTarget(targetSpec, ctx);
    const placement = { target, router: createRouter(routerSpec, { log: ctx.log, target }) };
    cache.set(id, { key, placement });
    return placement;
  };
}

/** What an environment's target and router report, for `rollout status`. */
export interface SiteView {
  readonly instances: readonly InstanceHealth[];
  /** The split in force, as the router reports it. */
  readonly weights: Readonly<Record<string, number>>;
}

/** The stored environments a placement is read from. */
export interface EnvironmentSource {
  getEnvironment(service: string, environment: string): Promise<EnvironmentRecord | undefined>;
}

/** Reads what each environment's target and router report, by service and environment. */
export function siteViews(
  store: EnvironmentSource,
  placementOf: PlacementOf,
): (service: string, environment: string) => Promise<SiteView | undefined> {
  return async (service, environment) => {
    const env = await store.getEnvironment(service, environment);
    if (!env) return undefined;
    const { target, router } = placementOf(env);
    const instances = await target.instances(service, environment);
    if (!instances) return undefined;
    const routes = await router.getRoutes(service, environment);
    return { instances, weights: routes?.weights ?? {} };
  };
}

/** The per-version request counts of each environment, from its router (empty when it keeps none). */
export function routerCounts(
  store: EnvironmentSource,
  placementOf: PlacementOf,
): { snapshot(service: string, environment: string): Promise<readonly VersionSnapshot[]> } {
  return {
    async snapshot(service, environment) {
      const env = await store.getEnvironment(service, environment);
      return env ? placementOf(env).router.counts(service, environment) : [];
    },
  };
}
