/*
 * Router kinds by name. A router registers one factory here (one line below); `createRouter` builds
 * the router of an environment from its spec, and an unknown kind is an error listing the known ones.
 */
import type { Target } from '../targets/target.ts';
import { createGatewayApiRouter } from './gateway-api/gateway-api-router.ts';
import type { RouterSpec } from './kinds.ts';
import { createHaproxyRouter } from './haproxy/haproxy-router.ts';
import { createLocalRouter } from './local/local-router.ts';
import { NopRouter, RouterError } from './router.ts';
import type { TrafficRouter } from './router.ts';

/** What routers may need: the target whose instances they route to. */
export interface RouterContext {
  readonly log: (line: string) => void;
  readonly target: Target;
}

/** Builds a router from its spec; throws a RouterError for a spec it cannot use. */
export type RouterFactory = (
  spec: RouterSpec | { readonly kind: 'none' },
  ctx: RouterContext,
) => TrafficRouter;

const FACTORIES = new Map<string, RouterFactory>([
  ['none', () => new NopRouter()],
  ['local', createLocalRouter],
  ['haproxy', createHaproxyRouter],
  ['gateway-api', createGatewayApiRouter],
]);

/** Adds (or replaces) the factory of a kind. */
export function registerRouter(kind: string, factory: RouterFactory): void {
  FACTORIES.set(kind, factory);
}

/** Every registered kind, sorted. */
export function routerKinds(): string[] {
  return [...FACTORIES.keys()].sort();
}

/**
 * The router of an environment.
 *
 * @example createRouter({ kind: 'haproxy', runtimeApi: '/run/haproxy/admin.sock', backend: 'web' }, ctx)
 */
export function createRouter(
  spec: RouterSpec | { readonly kind: 'none' },
  ctx: RouterContext,
): TrafficRouter {
  const factory = FACTORIES.get(spec.kind);
  if (!factory)
    throw new RouterError(
      `unknown router kind ${JSON.stringify(spec.kind)}: expected one of ${routerKinds().join(', ')}`,
    );
  return factory(spec, ctx);
}
