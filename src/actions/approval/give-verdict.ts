/*
 * A verdict on a run's waiting approval step, checked the same way whoever gives it (the CLI on
 * the store, or the API for a token): the run waits at exactly that step, the person is eligible
 * (roles, separation of duties), and has not already given one.
 */
import type { Store } from '../../store/store.ts';
import { identityOf, ineligibility } from './eligibility.ts';

/** Why a verdict was not recorded: a mistake in the request, or a person not allowed to give it. */
export class VerdictError extends Error {
  readonly kind: 'usage' | 'not-allowed' | 'not-found';

  constructor(kind: 'usage' | 'not-allowed' | 'not-found', message: string) {
    super(message);
    this.kind = kind;
  }
}

/** What a verdict asks for. */
export interface VerdictRequest {
  runId: number;
  /** The approval step (stage/step) when several wait. */
  step?: string;
  who: string;
  verdict: 'approve' | 'reject';
  comment?: string;
  at: Date;
}

/** Records a verdict; throws {@link VerdictError} when it cannot be given. */
export async function giveRunVerdict(
  store: Pick<Store, 'getRun' | 'steps' | 'recordApproval'>,
  r: VerdictRequest,
): Promise<{ run: number; step: string; approver: string; verdict: 'approve' | 'reject' }> {
  const run = await store.getRun(r.runId);
  if (!run) throw new VerdictError('not-found', `run ${r.runId} does not exist — see "runway runs"`);
  if (run.status !== 'running')
    throw new VerdictError('usage', `run ${r.runId} already ended: ${run.status}`);
  const approvalSteps = run.pipeline.stages.flatMap((s) => s.steps).filter((s) => s.uses === 'approval');
  const running = new Set(
    (await store.steps(r.runId)).filter((s) => s.status === 'running').map((s) => s.key),
  );
  const waiting = approvalSteps.filter((s) => running.has(s.key) && (!r.step || s.key === r.step));
  if (waiting.length === 0) {
    const known = approvalSteps.map((s) => s.key).join(', ');
    throw new VerdictError(
      'usage',
      `run ${r.runId} is not waiting for an approval${r.step ? ` at ${r.step}` : ''}${known ? ` (approval steps: ${known})` : ''}`,
    );
  }
  if (waiting.length > 1)
    throw new VerdictError(
      'usage',
      `several approvals are waiting — choose one with --step: ${waiting.map((s) => s.key).join(', ')}`,
    );
  const step = waiting[0]!;
  const roles = (step.with['roles'] as string[] | undefined) ?? [];
  const why = ineligibility(
    run.pipeline,
    r.who,
    roles,
    run.context.author,
    Boolean(step.with['allow-self-approval']),
  );
  if (why) throw new VerdictError('not-allowed', why);
  const approver = identityOf(r.who);
  const recorded = await store.recordApproval({
    runId: r.runId,
    stepKey: step.key,
    approver,
    verdict: r.verdict,
    ...(r.comment ? { comment: r.comment } : {}),
    at: r.at.toISOString(),
  });
  if (!recorded)
    throw new VerdictError('usage', `${approver} already gave a verdict on ${step.key} of run ${r.runId}`);
  return { run: r.runId, step: step.key, approver, verdict: r.verdict };
}
