/*
 * Tokens and the audit log over the API (admins only), and `GET /v1/whoami` for any token.
 */
import { DeployError } from '../deploy/deployments.ts';
import type { ApiDeps } from './api.ts';
import { createToken, publicToken } from './auth/tokens.ts';
import type { ApiRoute } from './route.ts';

function strings(v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw new DeployError(400, `${field} must be a list of names`);
  return v as string[];
}

/** Token management, the audit log and whoami. */
export function tokenRoutes(d: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/whoami',
      summary: "The calling token's id, name, role and scope.",
      action: 'read',
      handle: async ({ caller }) => [200, { caller }],
    },
    {
      method: 'GET',
      path: '/v1/tokens',
      summary: 'Every API token (without its secret or hash).',
      action: 'admin',
      handle: async () => [200, { tokens: (await d.store.apiTokens()).map(publicToken) }],
    },
    {
      method: 'POST',
      path: '/v1/tokens',
      summary: 'Create a token with a role and optional scope; the clear token is in this answer only.',
      action: 'admin',
      handle: async ({ body }) => {
        const b = (body ?? {}) as Record<string, unknown>;
        if (typeof b['name'] !== 'string' || typeof b['role'] !== 'string')
          throw new DeployError(400, 'expected {"name": "…", "role": "viewer|deployer|approver|admin"}');
        const made = await createToken(
          d.store,
          {
            name: b['name'],
            role: b['role'],
            services: strings(b['services'], 'services'),
            environments: strings(b['environments'], 'environments'),
          },
          d.clock,
        );
        if ('issue' in made)
          throw new DeployError(made.issue.includes('already exists') ? 409 : 400, made.issue);
        return [201, { token: made.token, record: publicToken(made.record) }];
      },
    },
    {
      method: 'DELETE',
      path: '/v1/tokens/:token',
      summary: 'Revoke a token by id or name.',
      action: 'admin',
      params: ['token'],
      handle: async ({ params: [ref] }) => {
        if (!(await d.store.revokeApiToken(ref!, d.clock.now().toISOString())))
          throw new DeployError(404, `no valid token "${ref}"`);
        return [200, { revoked: ref }];
      },
    },
    {
      method: 'GET',
      path: '/v1/audit',
      summary: 'The audit log of mutating calls, newest first (token, limit).',
      action: 'admin',
      handle: async ({ url }) => {
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const token = url.searchParams.get('token');
        const entries = await d.store.auditLog({
          limit: Number.isInteger(limit) && limit > 0 ? limit : 100,
          ...(token ? { token } : {}),
        });
        return [200, { entries }];
      },
    },
  ];
}
