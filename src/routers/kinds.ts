/*
 * The `router.kind`s runway.yaml accepts, as data the config schema is built from. A new router adds
 * its kind here, its keys to the schema, and one line to `registry.ts`; an unknown kind is a config
 * error listing these.
 */

/** Every router kind Runway has. */
export const ROUTER_KINDS = ['local', 'haproxy', 'gateway-api'] as const;
export type RouterKind = (typeof ROUTER_KINDS)[number];

/** The router an environment gets when runway.yaml names none. */
export const DEFAULT_ROUTER_KIND: RouterKind = 'local';

/** The router an environment of a target kind gets when runway.yaml names none (none: it routes by itself). */
export function defaultRouterKind(targetKind: string): RouterKind | undefined {
  if (targetKind === 'local') return DEFAULT_ROUTER_KIND;
  if (targetKind === 'kubernetes') return 'gateway-api';
  return undefined;
}

/** The router kinds that can split traffic for a target kind. */
export function routerKindsFor(targetKind: string): RouterKind[] {
  return ROUTER_KINDS.filter((k) => ROUTER_TARGETS[k].includes(targetKind));
}

/** Keys each kind requires besides `kind`. */
export const ROUTER_REQUIRED_KEYS: { readonly [K in RouterKind]: readonly string[] } = {
  local: [],
  haproxy: ['runtime-api', 'backend'],
  'gateway-api': [],
};

/** Target kinds each router can split traffic for. */
export const ROUTER_TARGETS: { readonly [K in RouterKind]: readonly string[] } = {
  local: ['local'],
  haproxy: ['local'],
  'gateway-api': ['kubernetes'],
};

/** One line per kind, for errors and docs. */
export const ROUTER_DESCRIPTIONS: { readonly [K in RouterKind]: string } = {
  local: 'the built-in Node router inside the local data-plane agent (the default)',
  haproxy: 'HAProxy, driven live through its runtime API (weights and server state, no reload)',
  'gateway-api':
    "a Gateway API HTTPRoute's backend weights and header/cookie matches (the default of a kubernetes target; the route is the target's `route:`)",
};

/** A resolved `router:` of runway.yaml, as stored with the environment. */
export type RouterSpec =
  | { readonly kind: 'local' }
  | { readonly kind: 'gateway-api' }
  | {
      readonly kind: 'haproxy';
      /** A unix socket path, or `host:port` of a TCP `stats socket`. */
      readonly runtimeApi: string;
      readonly backend: string;
    };

/** An HAProxy backend name Runway accepts (it reaches HAProxy's runtime API as written). */
export const HAPROXY_BACKEND = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Why `value` is not a RouterSpec (it came over the API), or undefined when it is one. */
export function routerSpecProblem(value: unknown): string | undefined {
  const expected = `expected {"kind": ${ROUTER_KINDS.map((k) => JSON.stringify(k)).join(' | ')}, …}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return expected;
  const v = value as Record<string, unknown>;
  if (v['kind'] === 'local' || v['kind'] === 'gateway-api')
    return Object.keys(v).length === 1 ? undefined : `a ${v['kind']} router takes no options`;
  if (v['kind'] !== 'haproxy') return `unknown router kind ${JSON.stringify(v['kind'])}: ${expected}`;
  if (typeof v['runtimeApi'] !== 'string' || !/^(\/[^\0\n]*|[A-Za-z0-9.-]+:\d{1,5})$/.test(v['runtimeApi']))
    return 'expected runtimeApi: an absolute unix socket path or host:port';
  if (typeof v['backend'] !== 'string' || !HAPROXY_BACKEND.test(v['backend']))
    return 'expected backend: an HAProxy backend name (letters, digits, _ . : -)';
  return Object.keys(v).length === 3
    ? undefined
    : 'unknown keys in router (expected kind, runtimeApi, backend)';
}
