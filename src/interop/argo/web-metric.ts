/*
 * Endpoints an Argo Rollouts AnalysisTemplate calls with the `web` provider: the judge's verdict on a
 * canary (`/v1/argo/judge`), and a pre-promotion gate (`/v1/argo/gate`). Both answer 200 with JSON,
 * since Argo counts any other status as a measurement error, not a verdict.
 */
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import { DeployError } from '../../deploy/deployments.ts';
import { releaseGateOf } from '../release-gate-facts.ts';
import { decide } from '../release-check.ts';
import type { InteropDeps, InteropRoute } from '../routes.ts';
import { judgeCanary } from './judge-canary.ts';

/** The one call the judge needs from the data plane: per-version counts of a site. */
export interface CountSource {
  snapshot(service: string, environment: string): Promise<readonly VersionSnapshot[]>;
}

/** `GET /v1/argo/judge` and `GET /v1/argo/gate`. */
export function argoRoutes(
  d: InteropDeps & { counts: CountSource; prometheus?: CountSource },
): InteropRoute[] {
  return [
    {
      method: 'GET',
      path: /^\/v1\/argo\/judge$/,
      summary: "Argo Rollouts' web metric: Runway's judge of canary against stable.",
      handle: async (url) => {
        const q = url.searchParams;
        const service = required(q, 'service');
        const environment = required(q, 'environment');
        const canary = required(q, 'canary');
        const stable = required(q, 'stable');
        const latencySeconds = positive(q, 'latency');
        const alpha = positive(q, 'alpha');
        const errorRatio = positive(q, 'error-ratio');
        if (errorRatio !== undefined && errorRatio >= 1) {
          throw new DeployError(400, `error-ratio must be below 1, got ${errorRatio}`);
        }
        if (alpha !== undefined && alpha >= 1)
          throw new DeployError(400, `alpha must be below 1, got ${alpha}`);
        const source = q.get('source') ?? 'data-plane';
        if (source !== 'data-plane' && source !== 'prometheus') {
          throw new DeployError(400, `source must be data-plane or prometheus, got "${source}"`);
        }
        const counts = source === 'prometheus' ? d.prometheus : d.counts;
        if (!counts) {
          throw new DeployError(400, 'source=prometheus needs runway serve --prometheus URL');
        }
        const snapshots = await counts.snapshot(service, environment).catch((err: unknown) => {
          d.log(`argo judge: cannot read the ${source} counts: ${(err as Error).message}`);
          return [];
        });
        const answer = judgeCanary(
          snapshots,
          {
            canary,
            stable,
            ...(latencySeconds ? { latencySeconds } : {}),
            ...(alpha ? { alpha } : {}),
            ...(errorRatio ? { errorRatio } : {}),
          },
          d.clock.now(),
        );
        return [200, { service, environment, source, ...answer }];
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/argo\/gate$/,
      summary: "Argo Rollouts' web metric: Runway's release gate.",
      handle: async (url) => {
        const q = url.searchParams;
        const rollout = required(q, 'rollout');
        if (!/^[^/\s]+\/[^/\s]+$/.test(rollout)) {
          throw new DeployError(400, `rollout must be NAMESPACE/NAME, got "${rollout}"`);
        }
        const service = q.get('service') || rollout.split('/')[1]!;
        const revision = required(q, 'revision');
        const windowName = q.get('window');
        const window = windowName === null ? undefined : d.calendars[windowName];
        if (windowName !== null && !window) {
          throw new DeployError(
            400,
            `unknown window "${windowName}" — expected one of: ${Object.keys(d.calendars).join(', ')}`,
          );
        }
        const at = q.get('at');
        const now = at === null ? d.clock.now() : new Date(at);
        if (Number.isNaN(now.getTime())) throw new DeployError(400, `at "${at}" is not an ISO 8601 time`);
        const approvals = q.has('approvals') ? Number(q.get('approvals')) : 0;
        if (!Number.isInteger(approvals) || approvals < 0) {
          throw new DeployError(400, `approvals must be a whole number, got "${q.get('approvals')}"`);
        }
        const roles = (q.get('roles') ?? '')
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
        const gate = `argo/${rollout}`;
        let approval;
        if (approvals > 0) {
          await d.store.requestExternalApproval({
            gate,
            revision,
            service,
            required: approvals,
            roles,
            requestedAt: now.toISOString(),
          });
          const asked = await d.store.externalApproval(gate);
          if (asked?.revision === revision)
            approval = { gate, required: asked.required, verdicts: asked.verdicts };
        }
        const incidents = await d.store.incidents({ service, open: true });
        const releaseGate = await releaseGateOf(d.store, service, q.get('release-gate') ?? undefined);
        const answer = decide('promotion', {
          now,
          incidents,
          ...(window ? { window } : {}),
          ...(approval ? { approval } : {}),
          ...(releaseGate ? { releaseGate } : {}),
        });
        const stop = decide('rollback', { now, incidents, ...(approval ? { approval } : {}) });
        const decision = stop.go ? 'stop' : answer.go ? 'go' : 'wait';
        return [
          200,
          { rollout, revision, decision, reasons: stop.go ? stop.reasons : answer.reasons, at: answer.at },
        ];
      },
    },
  ];
}

function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (!v) throw new DeployError(400, `the query needs ${name}=…`, [{ field: name, message: 'required' }]);
  return v;
}

function positive(q: URLSearchParams, name: string): number | undefined {
  const text = q.get(name);
  if (text === null) return undefined;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n))
    throw new DeployError(400, `${name} must be a positive number, got "${text}"`);
  return n;
}
