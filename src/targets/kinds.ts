/*
 * The `target.kind`s runway.yaml accepts, as data the config schema is built from. A new target adds
 * its kind here, its keys to the schema, and one line to `registry.ts`; an unknown kind is a config
 * error listing these.
 */

/** Every target kind Runway has. */
export const TARGET_KINDS = ['local', 'kubernetes', 'argo-rollouts'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Keys each kind requires besides `kind`. */
export const TARGET_REQUIRED_KEYS: { readonly [K in TargetKind]: readonly string[] } = {
  local: ['command', 'port'],
  kubernetes: ['namespace', 'deployment', 'service', 'port', 'route'],
  'argo-rollouts': ['namespace', 'rollout'],
};

/** One line per kind, for `--help`, errors and docs. */
export const TARGET_DESCRIPTIONS: { readonly [K in TargetKind]: string } = {
  local: 'processes on this machine, run by the built-in data-plane agent',
  kubernetes:
    'a canary Deployment beside an existing one, traffic split by a Gateway API HTTPRoute (see docs/targets.md)',
  'argo-rollouts':
    'an existing Argo Rollout: Runway sets its image, follows its status, promotes and aborts it',
};

/**
 * Whether a kind does its own traffic (steps, weights, pauses, abort): Runway then sets the image
 * and follows it (`src/rollout/delegated/`) instead of driving instances and a router.
 */
export const TARGET_OWN_TRAFFIC: { readonly [K in TargetKind]: boolean } = {
  local: false,
  kubernetes: false,
  'argo-rollouts': true,
};

/** Whether a target spec (runway.yaml's `target:`, or one stored) is of a kind that does its own traffic. */
export function ownsTraffic(spec: unknown): boolean {
  const kind = (spec as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === 'string' && (TARGET_OWN_TRAFFIC as Record<string, boolean>)[kind] === true;
}

/** Keys only some kinds accept (a key of another kind is an error naming the kind). */
export const TARGET_ONLY_KEYS: { readonly [K in TargetKind]: readonly string[] } = {
  local: ['command', 'preview-port', 'replicas', 'env', 'working-directory', 'ready-timeout'],
  kubernetes: [
    'kubeconfig',
    'context',
    'namespace',
    'deployment',
    'container',
    'service',
    'route',
    'canary-replicas',
  ],
  'argo-rollouts': ['kubeconfig', 'context', 'namespace', 'rollout', 'container'],
};
