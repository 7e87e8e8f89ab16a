/*
 * Roles and what each may do. A token has one role and may be scoped to services and environments
 * (an empty list means all). The server checks every call against these before it acts.
 */

/** The roles a token can have, from least to most trusted. */
export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What an API call does, and so which roles may make it. */
export const ACTIONS = [
  'read',
  'deploy',
  'command',
  'fault',
  'incident',
  'interop',
  'approve',
  'override',
  'trigger',
  'admin',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The roles allowed each action (admin may do everything). */
export const ALLOWED: Readonly<Record<Action, readonly Role[]>> = Object.freeze({
  read: ['viewer', 'deployer', 'approver', 'admin'],
  deploy: ['deployer', 'admin'],
  command: ['deployer', 'admin'],
  fault: ['admin'],
  incident: ['deployer', 'admin'],
  interop: ['deployer', 'admin'],
  approve: ['approver', 'admin'],
  override: ['approver', 'admin'],
  trigger: ['deployer', 'admin'],
  admin: ['admin'],
});

/** Who is calling: the token's id, name, role and scope. */
export interface Caller {
  id: string;
  name: string;
  role: Role;
  /** Services this token may act on; empty: all. */
  services: readonly string[];
  /** Environments this token may act on; empty: all. */
  environments: readonly string[];
}

/** Where a call acts: the service and environment, when it names them. */
export interface Scope {
  service?: string;
  environment?: string;
}

/** Why `caller` may not make a call doing `action` on `scope`, or undefined when it may. */
export function refusal(caller: Caller, action: Action, scope: Scope): string | undefined {
  const allowed = ALLOWED[action];
  if (!allowed.includes(caller.role)) {
    const need = allowed.length === 1 ? `role ${allowed[0]}` : `one of the roles ${allowed.join(', ')}`;
    return `token "${caller.name}" has role ${caller.role}; ${action} needs ${need}`;
  }
  const scoped = caller.services.length > 0 || caller.environments.length > 0;
  if (!scoped || action === 'read') return outside(caller, scope);
  if (scope.service === undefined && scope.environment === undefined)
    return `token "${caller.name}" is scoped to ${scopeText(caller)}; ${action} on every service needs an unscoped token`;
  return outside(caller, scope);
}

function outside(caller: Caller, scope: Scope): string | undefined {
  if (scope.service !== undefined && caller.services.length > 0 && !caller.services.includes(scope.service))
    return `token "${caller.name}" is scoped to ${scopeText(caller)}, not service ${scope.service}`;
  if (
    scope.environment !== undefined &&
    caller.environments.length > 0 &&
    !caller.environments.includes(scope.environment)
  )
    return `token "${caller.name}" is scoped to ${scopeText(caller)}, not environment ${scope.environment}`;
  return undefined;
}

function scopeText(c: Caller): string {
  const parts = [];
  if (c.services.length > 0) parts.push(`services ${c.services.join(', ')}`);
  if (c.environments.length > 0) parts.push(`environments ${c.environments.join(', ')}`);
  return parts.join(' and ');
}
