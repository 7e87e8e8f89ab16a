/*
 * The `router.kind`s runway.yaml accepts, as data the config schema is built from. A new router adds
 * its kind here, its keys to the schema, and one line to `registry.ts`; an unknown kind is a config
 * error listing these.
 */

/** Every router kind Runway has. */
export const ROUTER_KINDS = ['local', 'haproxy'] as const;
export type RouterKind = (typeof ROUTER_KINDS)[number];

/** The router an environment gets when runway.yaml names none. */
export const DEFAULT_ROUTER_KIND: RouterKind = 'local';

/** Keys each kind requires besides `kind`. */
export const ROUTER_REQUIRED_KEYS: { readonly [K in RouterKind]: readonly string[] } = {
  local: [],
  haproxy: ['runtime-api', 'backend'],
};

/** Target kinds each router can split traffic for. */
export const ROUTER_TARGETS: { readonly [K in RouterKind]: readonly string[] } = {
  local: ['local'],
  haproxy: ['local'],
};

/** One line per kind, for errors and docs. */
export const ROUTER_DESCRIPTIONS: { readonly [K in RouterKind]: string } = {
  local: 'the built-in Node router inside the local data-plane agent (the default)',
  haproxy: 'HAProxy, driven live through its runtime API (weights and server state, no reload)',
};

/** A resolved `router:` of runway.yaml, as stored with the environment. */
export type RouterSpec =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'haproxy';
      /** A unix socket path, or `host:port` of a TCP `stats socket`. */
      readonly runtimeApi: string;
      readonly backend: string;
    };
