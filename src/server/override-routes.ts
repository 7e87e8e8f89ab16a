/*
 * Emergency overrides of the release gate over the API: listed by anyone, granted and revoked by
 * approvers and admins (checked on the server), recorded as granted by the token's name.
 */
import { DeployError } from '../deploy/deployments.ts';
import { overrideFrom } from '../gates/release/override-request.ts';
import type { ApiDeps } from './api.ts';
import type { ApiRoute } from './route.ts';

function text(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || v.trim() === '') throw new DeployError(400, `${key} is required`);
  return v;
}

/** The override endpoints. */
export function overrideRoutes(d: ApiDeps): ApiRoute[] {
  const byId = async (id: string | undefined) => {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 1) throw new DeployError(400, `override "${id}" is not an override id`);
    return { id: n, record: (await d.store.overrides({})).find((o) => o.id === n) };
  };
  return [
    {
      method: 'GET',
      path: '/v1/overrides',
      summary: 'Overrides in force now (all=true: every one ever granted).',
      action: 'read',
      handle: async ({ url }) => {
        const all = url.searchParams.get('all') === 'true';
        return [
          200,
          { overrides: await d.store.overrides(all ? {} : { activeAt: d.clock.now().toISOString() }) },
        ];
      },
    },
    {
      method: 'POST',
      path: '/v1/overrides',
      summary: 'Grant an override: {service, environment, reason, expires (≤ 24h), rules?, from?}.',
      action: 'override',
      scope: (_p, body) => {
        const b = (body ?? {}) as Record<string, unknown>;
        return {
          ...(typeof b['service'] === 'string' ? { service: b['service'] } : {}),
          ...(typeof b['environment'] === 'string' ? { environment: b['environment'] } : {}),
        };
      },
      handle: async ({ body, caller }) => {
        const b = (body ?? {}) as Record<string, unknown>;
        const rules = b['rules'] ?? [];
        if (!Array.isArray(rules) || rules.some((r) => typeof r !== 'string'))
          throw new DeployError(400, 'rules must be a list of rule names');
        let from: Date | undefined;
        if (b['from'] !== undefined) {
          from = new Date(String(b['from']));
          if (Number.isNaN(from.getTime())) throw new DeployError(400, 'from must be an ISO 8601 time');
        }
        const record = overrideFrom(
          {
            service: text(b, 'service'),
            environment: text(b, 'environment'),
            reason: text(b, 'reason'),
            expires: text(b, 'expires'),
            rules: rules as string[],
            ...(from ? { from } : {}),
          },
          caller.name,
          d.clock.now(),
          {
            service: 'service',
            environment: 'environment',
            reason: 'reason',
            expires: 'expires',
            rules: 'rules',
          },
        );
        if ('issue' in record) throw new DeployError(400, record.issue);
        const id = await d.store.grantOverride(record);
        d.log(`override ${id} granted by ${record.grantedBy} for ${record.service} → ${record.environment}`);
        return [201, { id, ...record }];
      },
    },
    {
      method: 'DELETE',
      path: '/v1/overrides/:override',
      summary: 'Revoke an override by id.',
      action: 'override',
      params: ['id'],
      scope: async ([id]) => {
        const { record } = await byId(id);
        return record ? { service: record.service, environment: record.environment } : {};
      },
      handle: async ({ params: [id] }) => {
        const { id: n } = await byId(id);
        if (!(await d.store.revokeOverride(n, d.clock.now().toISOString())))
          throw new DeployError(404, `no active override ${n}`);
        return [200, { revoked: n }];
      },
    },
  ];
}
