/*
 * The control plane's own endpoints: rollouts, environments and their commands, faults, SLOs,
 * DORA, deployments and the Alertmanager webhook.
 */
import { DeployError } from '../deploy/deployments.ts';
import { rollbackRequests } from '../gates/incidents/alert-rollbacks.ts';
import { applyIncidentCommands } from '../gates/incidents/apply-commands.ts';
import { parseAlertmanagerPayload } from '../gates/incidents/alertmanager-payload.ts';
import { alertmanagerMapping } from '../gates/incidents/alertmanager-mapping.ts';
import { fromAlertmanager } from '../gates/incidents/from-alertmanager.ts';
import { formatPayloadIssue } from '../gates/incidents/payload-issue.ts';
import { evaluateSlo } from '../gates/slo/evaluate-slo.ts';
import { DEFAULT_SLO, defineSlo } from '../gates/slo/slo.ts';
import type { Slo } from '../gates/slo/slo.ts';
import { StoredCounterSource } from '../gates/slo/stored-counter-source.ts';
import { dora, sinceOf } from '../telemetry/dora-query.ts';
import { rollBackForAlerts } from './alert-rollback.ts';
import type { ApiDeps } from './api.ts';
import type { Caller } from './auth/roles.ts';
import { serviceAndEnvironment, type ApiRoute } from './route.ts';

/** Who a change is recorded as: the body's `by` when given, else the caller's token name. */
function by(body: unknown, caller: Caller): string {
  const v = (body as { by?: unknown } | null)?.by;
  return typeof v === 'string' && v.length > 0 ? v : caller.name;
}

function limitOf(q: URLSearchParams, fallback: number): number {
  const limit = Number(q.get('limit') ?? fallback);
  return Number.isInteger(limit) && limit > 0 ? limit : fallback;
}

function filterOf(q: URLSearchParams): { service?: string; environment?: string } {
  return {
    ...(q.get('service') ? { service: q.get('service')! } : {}),
    ...(q.get('environment') ? { environment: q.get('environment')! } : {}),
  };
}

/** Every control-plane endpoint but the interop ones. */
export function controlRoutes(d: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'POST',
      path: '/v1/rollouts',
      summary: 'Start a rollout of a release to an environment (idempotent by key).',
      action: 'deploy',
      scope: (_p, body) => {
        const b = (body ?? {}) as { service?: unknown; environment?: unknown };
        return {
          ...(typeof b.service === 'string' ? { service: b.service } : {}),
          ...(typeof b.environment === 'string' ? { environment: b.environment } : {}),
        };
      },
      handle: async ({ body }) => {
        const { rollout, created, note } = await d.deployments.create(body);
        return [created ? 201 : 200, { rollout, created, ...(note ? { note } : {}) }];
      },
    },
    {
      method: 'GET',
      path: '/v1/rollouts',
      summary: 'List rollouts, newest first (service, environment, limit).',
      action: 'read',
      handle: async ({ url }) => [
        200,
        {
          rollouts: await d.store.rollouts({
            ...filterOf(url.searchParams),
            limit: limitOf(url.searchParams, 20),
          }),
        },
      ],
    },
    {
      method: 'GET',
      path: '/v1/rollouts/:id',
      summary: 'One rollout with its analysis explained.',
      action: 'read',
      params: ['id'],
      handle: async ({ params: [id] }) => {
        const rollout = await d.store.getRollout(id!);
        if (!rollout) throw new DeployError(404, `no rollout "${id}"`);
        return [200, { rollout, analysis: await d.controller.explain(rollout) }];
      },
    },
    {
      method: 'GET',
      path: '/v1/environments',
      summary: 'Every environment of every service with its stable release.',
      action: 'read',
      handle: async () => [200, { environments: await d.store.environments() }],
    },
    {
      method: 'GET',
      path: '/v1/environments/:service/:environment',
      summary: 'An environment: its record, latest rollout, analysis and data-plane site.',
      action: 'read',
      scope: serviceAndEnvironment,
      handle: async ({ params: [service, environment] }) => {
        const env = await d.deployments.environment(service!, environment!);
        const rollouts = await d.store.rollouts({ service: service!, environment: environment!, limit: 1 });
        const site = (await d.site(service!, environment!).catch(() => null)) ?? null;
        const rollout = rollouts[0];
        return [
          200,
          {
            environment: env,
            rollout: rollout ?? null,
            analysis: rollout ? await d.controller.explain(rollout) : {},
            site,
          },
        ];
      },
    },
    {
      method: 'POST',
      path: '/v1/environments/:service/:environment/commands',
      summary: 'Command the rollout in flight: promote, pause, resume, abort…',
      action: 'command',
      scope: serviceAndEnvironment,
      handle: async ({ params: [service, environment], body, caller }) => {
        const command = (body as { command?: unknown } | null)?.command;
        if (typeof command !== 'string') throw new DeployError(400, 'expected {"command": "promote|…"}');
        const rollout = await d.deployments.command(service!, environment!, command, by(body, caller));
        return [200, { rollout }];
      },
    },
    {
      method: 'POST',
      path: '/v1/environments/:service/:environment/undo',
      summary: 'Roll back to the previous (or a given) revision or version.',
      action: 'command',
      scope: serviceAndEnvironment,
      handle: async ({ params: [service, environment], body, caller }) => {
        const { toRevision, toVersion } = (body ?? {}) as { toRevision?: unknown; toVersion?: unknown };
        if (toRevision !== undefined && !Number.isInteger(toRevision))
          throw new DeployError(400, 'toRevision must be an integer');
        if (toVersion !== undefined && (typeof toVersion !== 'string' || toVersion === ''))
          throw new DeployError(400, 'toVersion must be a version name');
        const to = { revision: toRevision as number | undefined, version: toVersion as string | undefined };
        const result = await d.deployments.undo(service!, environment!, to, by(body, caller));
        return 'rollout' in result ? [201, result] : [200, { rollout: null, nothing: result.nothing }];
      },
    },
    {
      method: 'PUT',
      path: '/v1/environments/:service/:environment/faults/:version',
      summary: 'Inject faults (error rate, latency) into one version, for rollback rehearsals.',
      action: 'fault',
      params: ['name', 'name', 'version'],
      scope: serviceAndEnvironment,
      handle: async ({ params: [service, environment, version], body }) => {
        const faults = await d.deployments.setFaults(service!, environment!, version!, body);
        return [200, { service, environment, version, faults }];
      },
    },
    {
      method: 'GET',
      path: '/v1/slo/:service/:environment',
      summary: 'The SLO evaluated from stored samples: budget remaining, fast and slow burn.',
      action: 'read',
      scope: serviceAndEnvironment,
      handle: async ({ url, params: [service, environment] }) => {
        const q = url.searchParams;
        const slo = sloOf(q, d.samples.retentionMs);
        const at = q.has('at') ? new Date(q.get('at')!) : d.clock.now();
        if (Number.isNaN(at.getTime()))
          throw new DeployError(
            400,
            `at "${q.get('at')}" is not an ISO 8601 time, e.g. 2026-11-24T10:00:00Z`,
          );
        const source = new StoredCounterSource(
          d.store,
          { service: service!, environment: environment! },
          { maxGapMs: d.samples.maxGapMs },
        );
        return [200, await evaluateSlo(slo, source, at)];
      },
    },
    {
      method: 'GET',
      path: '/v1/dora',
      summary: 'DORA metrics from the stored deployments (service, since, until).',
      action: 'read',
      handle: async ({ url }) => {
        const q = url.searchParams;
        const to = q.has('until') ? new Date(q.get('until')!) : d.clock.now();
        if (Number.isNaN(to.getTime()))
          throw new DeployError(400, `until "${q.get('until')}" is not an ISO 8601 time`);
        const from = sinceOf(q.get('since') ?? undefined, to);
        if (typeof from === 'string') throw new DeployError(400, from.replace('--since', 'since'));
        const service = q.get('service');
        return [200, await dora(d.store, { ...(service ? { service } : {}), from, to })];
      },
    },
    {
      method: 'GET',
      path: '/v1/deployments',
      summary: 'Deployment records, newest first (service, environment, limit).',
      action: 'read',
      handle: async ({ url }) => [
        200,
        {
          deployments: await d.store.deployments({
            ...filterOf(url.searchParams),
            limit: limitOf(url.searchParams, 50),
          }),
        },
      ],
    },
    {
      method: 'POST',
      path: '/v1/alertmanager',
      summary: "Alertmanager's webhook: opens and resolves incidents, rolls back on critical alerts.",
      action: 'incident',
      handle: async ({ url, body }) => {
        // alerts without a service label are the service given as ?service= (one webhook per service)
        const service = url.searchParams.get('service');
        if (service === '') throw new DeployError(400, 'service= must name a service');
        const mapping = service === null ? undefined : alertmanagerMapping({ defaultService: service });
        const result = fromAlertmanager(body, d.clock.now(), mapping);
        if (!result.ok) {
          throw new DeployError(
            400,
            'invalid Alertmanager payload',
            result.errors.map((e) => ({ field: e.path || '(payload)', message: formatPayloadIssue(e) })),
          );
        }
        const changed = await applyIncidentCommands(d.store, result.commands);
        for (const id of changed.opened) d.log(`incident opened from Alertmanager: ${id}`);
        for (const id of changed.resolved) d.log(`incident resolved from Alertmanager: ${id}`);
        // alerts mapped to rollback (ErrorRateCritical, CanaryHealthFailing) abort the rollout in flight
        const parsed = parseAlertmanagerPayload(body);
        const alerts = parsed.ok ? parsed.value.alerts : [];
        const rolledBack = await rollBackForAlerts(d, rollbackRequests(alerts, result.commands));
        return [200, { ...changed, rolledBack }];
      },
    },
  ];
}

/** The SLO a query asks for (`objective`, `window`), refused with 400 when malformed or longer than the samples kept. */
function sloOf(q: URLSearchParams, retentionMs: number): Slo {
  const objectiveText = q.get('objective');
  const objective = objectiveText === null ? DEFAULT_SLO.objective : Number(objectiveText);
  if (objectiveText !== null && (objectiveText.trim() === '' || !Number.isFinite(objective))) {
    throw new DeployError(400, `objective "${objectiveText}" is not a number, e.g. 99.9`);
  }
  let slo: Slo;
  try {
    slo = defineSlo({ objective, window: q.get('window') ?? DEFAULT_SLO.window });
  } catch (err) {
    throw new DeployError(400, (err as Error).message);
  }
  if (slo.windowMs > retentionMs) {
    throw new DeployError(
      400,
      `slo window ${slo.window} is longer than the ${formatDays(retentionMs)} of samples the control plane keeps`,
    );
  }
  return slo;
}

function formatDays(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days}d` : `${Number((ms / 3_600_000).toPrecision(4))}h`;
}
