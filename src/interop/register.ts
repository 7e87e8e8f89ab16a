import { flaggerRoutes } from './flagger/webhooks.ts';
import type { InteropDeps, InteropRoute } from './routes.ts';

/** Every endpoint for controllers outside Runway, as `runway serve` mounts them. */
export function interopRoutes(d: InteropDeps): InteropRoute[] {
  return [...flaggerRoutes(d)];
}
