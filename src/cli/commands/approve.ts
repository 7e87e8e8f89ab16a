import { ineligibility, identityOf } from '../../actions/approval/eligibility.ts';
import { existsSync } from 'node:fs';
import { loadPipeline } from '../../config/load.ts';
import { EXTERNAL_GATE, ExternalVerdictError, giveExternalVerdict } from '../../interop/external-approval.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, pipelineFile, runId, STORE_FLAG, storeFor, whoAmI } from '../setup.ts';

/** An eligibility problem: exit code 4, as the CLI uses for authorisation. */
class NotAllowed extends Error {}

/** `runway approve|reject RUN`: gives a verdict on a run's waiting approval step. */
export function verdictCommand(verdict: 'approve' | 'reject') {
  const usage = `runway ${verdict} RUN|flagger/NAMESPACE/CANARY|argo/NAMESPACE/ROLLOUT [--step STAGE/STEP] [--as EMAIL] ${verdict === 'reject' ? '--comment TEXT' : '[--comment TEXT]'}`;
  return async function run(args: string[], io: Io): Promise<number> {
    const { values, positionals } = parse(args, {
      ...STORE_FLAG,
      ...FILE_FLAG,
      ...JSON_FLAG,
      step: { type: 'string' },
      as: { type: 'string' },
      comment: { type: 'string' },
    });
    if (verdict === 'reject' && !values.comment)
      throw new UsageError(`a rejection needs --comment saying why — usage: ${usage}`);
    if (EXTERNAL_GATE.test(positionals[0] ?? '')) {
      return external(io, positionals[0]!, verdict, values);
    }
    const id = runId(positionals[0], usage);
    const who = whoAmI(io, values.as);
    const { store } = await storeFor(io, values, { existing: true });
    try {
      const run = await store.getRun(id);
      if (!run) throw new UsageError(`run ${id} does not exist — see "runway runs"`);
      if (run.status !== 'running') throw new UsageError(`run ${id} already ended: ${run.status}`);
      const approvalSteps = run.pipeline.stages.flatMap((s) => s.steps).filter((s) => s.uses === 'approval');
      const running = new Set(
        (await store.steps(id)).filter((s) => s.status === 'running').map((s) => s.key),
      );
      const waiting = approvalSteps.filter(
        (s) => running.has(s.key) && (!values.step || s.key === values.step),
      );
      if (waiting.length === 0) {
        const known = approvalSteps.map((s) => s.key).join(', ');
        throw new UsageError(
          `run ${id} is not waiting for an approval${values.step ? ` at ${values.step}` : ''}${known ? ` (approval steps: ${known})` : ''}`,
        );
      }
      if (waiting.length > 1)
        throw new UsageError(
          `several approvals are waiting — choose one with --step: ${waiting.map((s) => s.key).join(', ')}`,
        );
      const step = waiting[0] as (typeof waiting)[number];
      const roles = (step.with['roles'] as string[] | undefined) ?? [];
      const why = ineligibility(
        run.pipeline,
        who,
        roles,
        run.context.author,
        Boolean(step.with['allow-self-approval']),
      );
      if (why) throw new NotAllowed(why);
      const recorded = await store.recordApproval({
        runId: id,
        stepKey: step.key,
        approver: identityOf(who),
        verdict,
        ...(values.comment ? { comment: values.comment } : {}),
        at: new Date().toISOString(),
      });
      if (!recorded)
        throw new UsageError(`${identityOf(who)} already gave a verdict on ${step.key} of run ${id}`);
      const text = `${identityOf(who)} ${verdict === 'approve' ? 'approved' : 'rejected'} ${step.key} of run ${id}`;
      io.out(
        values.json
          ? `${JSON.stringify({ run: id, step: step.key, approver: identityOf(who), verdict })}\n`
          : `${text}\n`,
      );
      return EXIT.ok;
    } catch (err) {
      if (err instanceof NotAllowed) {
        io.err(`runway: ${err.message}\n`);
        return EXIT.auth;
      }
      throw err;
    } finally {
      await store.close();
    }
  };
}

/** A verdict on an approval a Flagger canary waits for (its confirm-promotion hook). */
async function external(
  io: Io,
  gate: string,
  verdict: 'approve' | 'reject',
  values: { as?: string; comment?: string; file?: string; store?: string; json?: boolean },
): Promise<number> {
  const who = whoAmI(io, values.as);
  const file = pipelineFile(io, values.file);
  const pipeline = values.file !== undefined || existsSync(file) ? loadPipeline(file) : undefined;
  const { store } = await storeFor(io, values, { existing: true });
  try {
    const given = await giveExternalVerdict(
      store,
      { gate, who, verdict, ...(values.comment ? { comment: values.comment } : {}), at: new Date() },
      pipeline,
    );
    const text = `${given.approver} ${verdict === 'approve' ? 'approved' : 'rejected'} ${gate} (revision ${given.revision})`;
    io.out(values.json ? `${JSON.stringify(given)}\n` : `${text}\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ExternalVerdictError)) throw err;
    if (err.kind !== 'not-allowed') throw new UsageError(err.message);
    io.err(`runway: ${err.message}\n`);
    return EXIT.auth;
  } finally {
    await store.close();
  }
}

/** `runway approve RUN`. */
export const run = verdictCommand('approve');
