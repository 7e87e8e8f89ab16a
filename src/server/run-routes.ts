/*
 * Runs over the API: list, one run with its stages, steps and approvals, and verdicts on a waiting
 * approval (approvers only, checked on the server; the approver is the token's name).
 */
import { giveRunVerdict, VerdictError } from '../actions/approval/give-verdict.ts';
import { DeployError } from '../deploy/deployments.ts';
import type { ApiDeps } from './api.ts';
import { SERVER_TOKEN_CALLER } from './auth/authenticator.ts';
import type { ApiRoute } from './route.ts';
import { RUN_STATUSES, type RunStatus } from '../store/store.ts';

const STATUS = { usage: 409, 'not-allowed': 403, 'not-found': 404 } as const;

function runIdOf(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new DeployError(400, `run "${text}" is not a run number`);
  return id;
}

/** The run endpoints. */
export function runRoutes(d: ApiDeps): ApiRoute[] {
  const serviceOf = async (id: string | undefined) => {
    const run = await d.store.getRun(runIdOf(id));
    const name = run?.pipeline.service?.name;
    return name ? { service: name } : {};
  };
  return [
    {
      method: 'GET',
      path: '/v1/runs',
      summary: 'Runs, newest first (limit, status), each with its context (trigger, ref, labels…).',
      action: 'read',
      handle: async ({ url }) => {
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const status = url.searchParams.get('status');
        if (status !== null && !RUN_STATUSES.includes(status as RunStatus))
          throw new DeployError(400, `status "${status}" is not one of ${RUN_STATUSES.join(', ')}`);
        const runs = await d.store.listRuns({
          limit: Number.isInteger(limit) && limit > 0 ? limit : 20,
          ...(status === null ? {} : { status: status as RunStatus }),
        });
        return [200, { runs: runs.map(({ pipeline, ...r }) => ({ ...r, pipeline: pipeline.name })) }];
      },
    },
    {
      method: 'GET',
      path: '/v1/runs/:run',
      summary: 'One run: its context, stages, steps (the DAG by needs) and approvals.',
      action: 'read',
      params: ['id'],
      handle: async ({ params: [id] }) => {
        const runId = runIdOf(id);
        const run = await d.store.getRun(runId);
        if (!run) throw new DeployError(404, `no run ${runId}`);
        const [stages, steps, approvals] = await Promise.all([
          d.store.stages(runId),
          d.store.steps(runId),
          d.store.approvals(runId),
        ]);
        const needs = Object.fromEntries(run.pipeline.stages.map((s) => [s.name, s.needs]));
        return [200, { run: { ...run, pipeline: run.pipeline.name }, needs, stages, steps, approvals }];
      },
    },
    {
      method: 'POST',
      path: '/v1/runs/:run/approvals',
      summary: 'Approve or reject the approval step a run waits at: {verdict, step?, comment?}.',
      action: 'approve',
      params: ['id'],
      scope: ([id]) => serviceOf(id),
      handle: async ({ params: [id], body, caller }) => {
        const b = (body ?? {}) as Record<string, unknown>;
        const verdict = b['verdict'];
        if (verdict !== 'approve' && verdict !== 'reject')
          throw new DeployError(400, 'expected {"verdict": "approve" | "reject", "step"?, "comment"?}');
        const comment =
          typeof b['comment'] === 'string' && b['comment'].trim() ? b['comment'].trim() : undefined;
        if (verdict === 'reject' && !comment)
          throw new DeployError(400, 'a rejection needs a comment saying why');
        if (b['as'] !== undefined && caller.id !== SERVER_TOKEN_CALLER.id)
          throw new DeployError(403, 'only the server token may give a verdict as someone else ("as")');
        const who = typeof b['as'] === 'string' ? b['as'] : caller.name;
        try {
          const given = await giveRunVerdict(d.store, {
            runId: runIdOf(id),
            ...(typeof b['step'] === 'string' ? { step: b['step'] } : {}),
            who,
            verdict,
            ...(comment ? { comment } : {}),
            at: d.clock.now(),
          });
          return [201, given];
        } catch (err) {
          if (err instanceof VerdictError) throw new DeployError(STATUS[err.kind], err.message);
          throw err;
        }
      },
    },
  ];
}
