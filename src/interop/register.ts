import { argoRoutes, type CountSource } from './argo/web-metric.ts';
import { flaggerRoutes } from './flagger/webhooks.ts';
import type { InteropDeps, InteropRoute } from './routes.ts';

/** Every endpoint for controllers outside Runway, as `runway serve` mounts them. */
export function interopRoutes(
  d: InteropDeps & { counts: CountSource; prometheus?: CountSource },
): InteropRoute[] {
  return [...flaggerRoutes(d), ...argoRoutes(d)];
}
