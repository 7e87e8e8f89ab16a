/*
 * Router kinds by name. A router registers one factory here (one line below); `createRouter` builds
 * the router of an environment from its spec, and an unknown kind is an error listing the known ones.
 */
import type { Target } from '../targets/target.ts';
import { NopRouter, RouterError } from './router.ts';
import type { TrafficRouter } from './router.ts';

/** An environment's `router:` as resolved from runway.yaml and stored with the environment. */
export interface RouterSpec {
  readonly kind: string;
  readonly [key: string]: unknown;
}

/** What routers may need: the target whose instances they route to. */
export interface RouterContext {
  readonly log: (line: string) => void;
  readonly target: Target;
}

/** Builds a router from its spec; throws a RouterError for a spec it cannot use. */
export type RouterFactory = (spec: RouterSpec, ctx: RouterContext) => TrafficRouter;

const FACTORIES = new Map<string, RouterFactory>([['none', () => new NopRouter()]]);

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
export function createRouter(spec: RouterSpec, ctx: RouterContext): TrafficRouter {
  const factory = FACTORIES.get(spec.kind);
  if (!factory)
    throw new RouterError(
      `unknown router kind ${JSON.stringify(spec.kind)}: expected one of ${routerKinds().join(', ')}`,
    );
  return factory(spec, ctx);
}
