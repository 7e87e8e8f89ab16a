/*
 * The TrafficRouter contract: how a service's requests are split between the versions a target
 * runs. The rollout controller sets the whole routing of a site at once (`setRoutes`: per-mille
 * weights by version, optional header/cookie matches that pin a request to a version, an optional
 * preview version) and reads back what is actually in force (`getRoutes`) — from the router itself,
 * never from Runway's memory, so a restarted control plane sees the truth. `setRoutes` resolves only
 * once the new split takes effect, which is what makes "traffic back to stable in under a second"
 * hold. The backends (`host:port` addresses by version) come from the Target; a router that finds
 * its own (the built-in agent, a Kubernetes Service) may ignore them. Optional abilities are readonly
 * capability flags. Every implementation runs `routerContract` (src/routers/router.contract.ts);
 * `NopRouter` is the router of a target that routes by itself.
 */
import type { Backend } from '../targets/target.ts';
import type { VersionSnapshot } from '../agent/metrics/version-snapshot.ts';

/** All of a request's traffic, in per-mille. */
export const FULL_WEIGHT = 1000;

/** Sends a request to `version` when its header or cookie equals `value`, whatever the weights say. */
export interface RouteMatch {
  readonly header?: { readonly name: string; readonly value: string };
  readonly cookie?: { readonly name: string; readonly value: string };
  readonly version: string;
}

/** How traffic is split. */
export interface Routes {
  /** Per-mille by version, summing to 1000 (or empty when nothing runs). */
  readonly weights: Readonly<Record<string, number>>;
  /** Checked in order before the weights; needs `capabilities.matches`. */
  readonly matches?: readonly RouteMatch[];
  /** The version served on the preview listener, if any; needs `capabilities.preview`. */
  readonly preview?: string | null;
}

/** What a router is asked to do for one service in one environment. */
export interface RouteSite {
  readonly service: string;
  readonly environment: string;
  readonly routes: Routes;
  /** Where each version's ready instances are (from the Target). */
  readonly backends: readonly Backend[];
}

/** Optional abilities of a router. */
export interface RouterCapabilities {
  /** Honours header and cookie `matches`. */
  readonly matches: boolean;
  /** Serves `preview` on a listener of its own. */
  readonly preview: boolean;
  /** Counts requests and errors per version (`counts`), for the `builtin` analysis provider. */
  readonly metrics: boolean;
  /** Sends traffic to the Target's `backends` (false: it finds the instances itself). */
  readonly backends: boolean;
}

/** Splits traffic between versions. Every call is idempotent; a stale `fence` is refused. */
export interface TrafficRouter {
  /** The `router.kind` of runway.yaml this implements. */
  readonly kind: string;
  readonly capabilities: RouterCapabilities;
  /** Puts `site.routes` in force; resolves once new requests follow them. */
  setRoutes(site: RouteSite, fence?: number): Promise<void>;
  /** The routes in force as the router itself reports them, or undefined for an unknown site. */
  getRoutes(service: string, environment: string): Promise<Routes | undefined>;
  /** Cumulative request counts per version (empty without `capabilities.metrics`). */
  counts(service: string, environment: string): Promise<readonly VersionSnapshot[]>;
}

/** Capabilities of a router that can do none of the optional things. */
export const NO_ROUTER_CAPABILITIES: RouterCapabilities = Object.freeze({
  matches: false,
  preview: false,
  metrics: false,
  backends: false,
});

/** The router of a target that splits traffic by itself: accepts nothing but "everything to one". */
export class NopRouter implements TrafficRouter {
  readonly kind = 'none';
  readonly capabilities = NO_ROUTER_CAPABILITIES;

  async setRoutes(site: RouteSite): Promise<void> {
    const split = Object.values(site.routes.weights).filter((w) => w > 0);
    if (split.length > 1)
      throw new RouterError(
        `no router is configured for ${site.service}/${site.environment}: cannot split traffic`,
      );
  }

  async getRoutes(): Promise<Routes | undefined> {
    return undefined;
  }

  async counts(): Promise<readonly VersionSnapshot[]> {
    return [];
  }
}

/** A router refused a request (bad weights, unsupported capability, stale fence, unreachable). */
export class RouterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouterError';
  }
}
