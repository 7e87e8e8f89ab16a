import type { Pipeline } from '../../config/pipeline.ts';

/** The e-mail address in `Name <email>`, or the text itself, lower-cased: how identities compare. */
export function identityOf(text: string): string {
  const m = /<([^>]+)>/.exec(text);
  return (m?.[1] ?? text).trim().toLowerCase();
}

/** The roles (of `wanted`) that `who` holds in the pipeline. */
export function rolesOf(pipeline: Pipeline, who: string, wanted: readonly string[]): string[] {
  const id = identityOf(who);
  return wanted.filter((role) => (pipeline.roles[role] ?? []).some((member) => identityOf(member) === id));
}

/**
 * Why `who` may not give a verdict on this approval, or undefined if they may: they must hold one
 * of the roles, and (separation of duties) must not be the commit's author.
 */
export function ineligibility(
  pipeline: Pipeline,
  who: string,
  roles: readonly string[],
  author: string,
  allowSelf: boolean,
): string | undefined {
  if (rolesOf(pipeline, who, roles).length === 0) {
    return `${identityOf(who)} does not hold a role that may approve (${roles.join(', ')})`;
  }
  if (!allowSelf && author && identityOf(author) === identityOf(who)) {
    return `${identityOf(who)} is the author of the commit and may not approve it`;
  }
  return undefined;
}
