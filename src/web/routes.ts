/*
 * The dashboard's part of the API: the read endpoints its pages need (overview, a run as its DAG,
 * gate decisions and approvals) and the one write it adds, a verdict on a waiting approval. Each
 * is a route as src/server/api.ts declares them: method, path, handler returning [status, body].
 */
import type { IncomingMessage } from 'node:http';
import { identityOf, ineligibility } from '../actions/approval/eligibility.ts';
import type { Clock } from '../engine/clock.ts';
import { DeployError } from '../deploy/deployments.ts';
import { gatesView, overviewView, runView } from './views.ts';
import type { ViewDeps } from './views.ts';

type Handler = (req: IncomingMessage, params: string[], body: unknown) => Promise<[number, unknown]>;
export type WebRoute = [string, RegExp, Handler];

export function webRoutes(d: ViewDeps & { clock: Clock }): WebRoute[] {
  return [
    ['GET', /^\/v1\/overview$/, async () => [200, await overviewView(d)]],
    ['GET', /^\/v1\/runs$/, async () => [200, { runs: (await overviewView(d)).runs }]],
    ['GET', /^\/v1\/runs\/(\d+)$/, async (_req, [id]) => [200, await runView(d, Number(id))]],
    ['GET', /^\/v1\/gates$/, async () => [200, await gatesView(d)]],
    [
      'POST',
      /^\/v1\/runs\/(\d+)\/approvals$/,
      async (_req, [id], body) => [201, await giveVerdict(d, Number(id), body)],
    ],
  ];
}

/**
 * `{verdict: approve|reject, as: EMAIL, comment?, step?}` on a run's waiting approval step, with the
 * same eligibility as `runway approve` (a role of the step, not the commit's author); a rejection
 * needs a comment.
 */
async function giveVerdict(d: ViewDeps & { clock: Clock }, runId: number, body: unknown) {
  const b = (body ?? {}) as { verdict?: unknown; as?: unknown; comment?: unknown; step?: unknown };
  if (b.verdict !== 'approve' && b.verdict !== 'reject')
    throw new DeployError(400, 'verdict must be "approve" or "reject"');
  if (typeof b.as !== 'string' || b.as.trim().length < 3)
    throw new DeployError(400, 'as must name who gives the verdict, e.g. an e-mail address');
  const comment = typeof b.comment === 'string' ? b.comment.trim() : '';
  if (b.verdict === 'reject' && comment === '')
    throw new DeployError(400, 'a rejection needs a comment saying why');
  const run = await d.store.getRun(runId);
  if (!run) throw new DeployError(404, `no run ${runId}`);
  if (run.status !== 'running') throw new DeployError(409, `run ${runId} already ended: ${run.status}`);
  const running = new Set(
    (await d.store.steps(runId)).filter((s) => s.status === 'running').map((s) => s.key),
  );
  const waiting = run.pipeline.stages
    .flatMap((s) => s.steps)
    .filter((s) => s.uses === 'approval' && running.has(s.key) && (b.step === undefined || s.key === b.step));
  if (waiting.length === 0) throw new DeployError(409, `run ${runId} is not waiting for an approval`);
  if (waiting.length > 1)
    throw new DeployError(
      400,
      `several approvals are waiting — choose a step: ${waiting.map((s) => s.key).join(', ')}`,
    );
  const step = waiting[0]!;
  const roles = (step.with['roles'] as string[] | undefined) ?? [];
  const why = ineligibility(
    run.pipeline,
    b.as,
    roles,
    run.context.author,
    Boolean(step.with['allow-self-approval']),
  );
  if (why) throw new DeployError(403, why);
  const approver = identityOf(b.as);
  const recorded = await d.store.recordApproval({
    runId,
    stepKey: step.key,
    approver,
    verdict: b.verdict,
    ...(comment ? { comment } : {}),
    at: d.clock.now().toISOString(),
  });
  if (!recorded)
    throw new DeployError(409, `${approver} already gave a verdict on ${step.key} of run ${runId}`);
  return { run: runId, step: step.key, approver, verdict: b.verdict, ...(comment ? { comment } : {}) };
}
