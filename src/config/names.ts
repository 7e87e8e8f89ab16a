/**
 * A service or environment name that leaves this machine: it names rollouts, routes, API paths,
 * Kubernetes objects and metric labels, so it is a DNS label (RFC 1123): lower-case letters, digits
 * and `-`, at most 63 characters.
 */
export const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Why `name` cannot name a service or an environment, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (NAME.test(name)) return undefined;
  const suggestion = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return `"${name}" must be lower-case letters, digits and "-" (at most 63, not starting with "-"), as it names rollouts, routes and API paths${suggestion && suggestion !== name ? ` — e.g. "${suggestion}"` : ''}`;
}
