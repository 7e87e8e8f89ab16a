/** The prefix of the variables that carry analysis arguments into a job. */
export const ARG_PREFIX = 'RUNWAY_ARG_';

/**
 * Turns analysis arguments into environment variables (`canary.version` → `RUNWAY_ARG_CANARY_VERSION`),
 * so their values reach the command as data, never as shell text. Two names that map to the same
 * variable are an error.
 */
export function argsToEnv(
  args: Readonly<Record<string, string>>,
): { readonly env: Record<string, string> } | { readonly error: string } {
  const env: Record<string, string> = {};
  const from = new Map<string, string>();
  for (const [name, value] of Object.entries(args ?? {})) {
    const variable = ARG_PREFIX + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    const clash = from.get(variable);
    if (clash !== undefined) {
      return { error: `args ${JSON.stringify(clash)} and ${JSON.stringify(name)} both become ${variable}` };
    }
    if (variable === ARG_PREFIX) return { error: 'an analysis arg has an empty name' };
    from.set(variable, name);
    env[variable] = String(value);
  }
  return { env };
}
