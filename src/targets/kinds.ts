/*
 * The `target.kind`s runway.yaml accepts, as data the config schema is built from. A new target adds
 * its kind here, its keys to the schema, and one line to `registry.ts`; an unknown kind is a config
 * error listing these.
 */

/** Every target kind Runway has. */
export const TARGET_KINDS = ['local'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Keys each kind requires besides `kind`. */
export const TARGET_REQUIRED_KEYS: { readonly [K in TargetKind]: readonly string[] } = {
  local: ['command', 'port'],
};

/** One line per kind, for `--help`, errors and docs. */
export const TARGET_DESCRIPTIONS: { readonly [K in TargetKind]: string } = {
  local: 'processes on this machine, run by the built-in data-plane agent',
};
