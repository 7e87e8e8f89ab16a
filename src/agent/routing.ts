import type { SiteDesired } from './desired.ts';
import { WEIGHT_TOTAL, type Backend, type Routes } from './router/routes.ts';

/** An instance the routes may send traffic to: READY, with its last probe passing. */
export interface RoutableInstance {
  readonly version: string;
  readonly index: number;
  readonly port: number;
}

/**
 * The public routes of a site given the instances that can take traffic now, or undefined when no
 * version with weight has one (then the router answers 503). A version with weight but no routable
 * instance gives its weight to the others, in proportion to theirs; a version's weight is split
 * evenly among its routable instances. Versions with weight 0 stay reachable by match rules only.
 *
 * @example siteRoutes(site, [{ version: 'stable', index: 0, port: 41001 }])
 */
export function siteRoutes(site: SiteDesired, routable: readonly RoutableInstance[]): Routes | undefined {
  const targets = targetsByVersion(routable);
  const live = site.releases.map((r) => r.version).filter((v) => targets.has(v));
  const shares = rescale(live.map((v) => site.weights[v] ?? 0));
  if (!shares) return undefined;
  const backends = live.map((v, i) => backend(v, targets.get(v) as string[], shares[i] as number));
  const match = site.match.filter((m) => targets.has(m.version));
  return {
    service: site.service,
    backends,
    ...(match.length > 0 ? { match } : {}),
    addVersionHeader: site.addVersionHeader,
  };
}

/** The preview port's routes: all of it to the preview version's routable instances, if any. */
export function previewRoutes(site: SiteDesired, routable: readonly RoutableInstance[]): Routes | undefined {
  const targets = site.preview === null ? undefined : targetsByVersion(routable).get(site.preview);
  if (site.preview === null || !targets) return undefined;
  return {
    service: site.service,
    backends: [backend(site.preview, targets, WEIGHT_TOTAL)],
    addVersionHeader: site.addVersionHeader,
  };
}

/**
 * Scales weights to sum to 1000 with the largest-remainder method (ties to the first); undefined when
 * they sum to 0.
 *
 * @example rescale([600, 0, 200]) // → [750, 0, 250]
 */
export function rescale(weights: readonly number[]): number[] | undefined {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum <= 0) return undefined;
  const exact = weights.map((w) => (w * WEIGHT_TOTAL) / sum);
  const out = exact.map(Math.floor);
  let left = WEIGHT_TOTAL - out.reduce((a, w) => a + w, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i] = (out[i] as number) + 1;
  }
  return out;
}

function targetsByVersion(routable: readonly RoutableInstance[]): Map<string, string[]> {
  const byVersion = new Map<string, string[]>();
  for (const i of [...routable].sort((a, b) => a.index - b.index)) {
    const list = byVersion.get(i.version) ?? [];
    list.push(`127.0.0.1:${i.port}`);
    byVersion.set(i.version, list);
  }
  return byVersion;
}

function backend(version: string, targets: readonly string[], weight: number): Backend {
  const [target, ...replicas] = targets as [string, ...string[]];
  return { version, target, weight, ...(replicas.length > 0 ? { replicas } : {}) };
}
