/*
 * The gateway-api router: traffic between a kubernetes target's stable and canary Services is split
 * by the backend weights of a Gateway API HTTPRoute (the target's `route:`), and header or cookie
 * matches send requests to the canary whatever the weights (an HTTPRoute rule with `matches`
 * before the weighted rule). Every write is a server-side apply with Runway's field manager; what
 * `getRoutes` reports is read back from the HTTPRoute in the cluster, never from memory. Which
 * version is on which Service comes from the target (the image each Deployment runs).
 */
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import { KubernetesSiteTarget } from '../../targets/kubernetes/kubernetes-site-target.ts';
import type { CanaryMatch } from '../../targets/kubernetes/manifests.ts';
import { TargetError, type Target } from '../../targets/target.ts';
import { FULL_WEIGHT, RouterError } from '../router.ts';
import type { RouteMatch, RouterCapabilities, Routes, RouteSite, TrafficRouter } from '../router.ts';

/** Splits a kubernetes target's traffic with an HTTPRoute. */
export class GatewayApiRouter implements TrafficRouter {
  readonly kind = 'gateway-api';
  readonly capabilities: RouterCapabilities = Object.freeze({
    matches: true,
    preview: false,
    metrics: false,
    backends: false,
  });
  readonly #target: KubernetesSiteTarget;

  constructor(target: KubernetesSiteTarget) {
    this.#target = target;
  }

  async setRoutes(site: RouteSite, fence?: number): Promise<void> {
    // check the request
    if (fence !== undefined) {
      try {
        await this.#target.admit(fence);
      } catch (err) {
        if (err instanceof TargetError) throw new RouterError(err.message);
        throw err;
      }
    }
    const { service, environment, routes } = site;
    const total = Object.values(routes.weights).reduce((a, w) => a + w, 0);
    if (Object.keys(routes.weights).length > 0 && total !== FULL_WEIGHT)
      throw new RouterError(`weights must add up to ${FULL_WEIGHT}, got ${total}`);
    if (routes.preview != null) throw new RouterError('the gateway-api router has no preview listener');

    // the canary's share: the weight of every version the canary Deployment serves
    let canary = 0;
    for (const [version, weight] of Object.entries(routes.weights)) {
      if (weight === 0) continue;
      const track = await this.#target.trackOf(service, environment, version);
      if (track === undefined)
        throw new RouterError(`${version} does not run in ${service}/${environment}: nothing to route to`);
      if (track === 'canary') canary += weight;
    }
    const match = await this.#canaryMatch(service, environment, routes.matches ?? []);

    // apply the route
    await this.#target.cluster.setWeight(canary, match);
  }

  async getRoutes(service: string, environment: string): Promise<Routes | undefined> {
    const versions = await this.#target.versions(service, environment);
    if (versions === undefined) return undefined;
    const canary = await this.#target.cluster.weight();
    const weights: Record<string, number> = {};
    for (const { version, track } of versions) {
      const w = track === 'canary' ? canary : FULL_WEIGHT - canary;
      if (w > 0) weights[version] = (weights[version] ?? 0) + w;
    }
    return { weights, preview: null };
  }

  async counts(): Promise<readonly VersionSnapshot[]> {
    return [];
  }

  async #canaryMatch(
    service: string,
    environment: string,
    matches: readonly RouteMatch[],
  ): Promise<CanaryMatch | undefined> {
    if (matches.length === 0) return undefined;
    const headers = matches.filter((m) => m.header);
    const cookies = matches.filter((m) => m.cookie);
    if (headers.length > 1 || cookies.length > 1)
      throw new RouterError('the gateway-api router takes one header match and one cookie match');
    for (const m of matches)
      if ((await this.#target.trackOf(service, environment, m.version)) !== 'canary')
        throw new RouterError(`a match can send requests only to the canary, not to ${m.version}`);
    return {
      ...(headers[0]?.header ? { header: headers[0].header } : {}),
      ...(cookies[0]?.cookie ? { cookie: cookies[0].cookie } : {}),
    };
  }
}

/** The router of an environment whose target is kubernetes (anything else is a config error). */
export function createGatewayApiRouter(_spec: unknown, ctx: { readonly target: Target }): TrafficRouter {
  if (!(ctx.target instanceof KubernetesSiteTarget))
    throw new RouterError(
      `the gateway-api router splits traffic for a kubernetes target, not a ${ctx.target.kind} one`,
    );
  return new GatewayApiRouter(ctx.target);
}
