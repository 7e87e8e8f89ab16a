import { giveRunVerdict, VerdictError } from '../../actions/approval/give-verdict.ts';
import { existsSync } from 'node:fs';
import { loadPipeline } from '../../config/load.ts';
import { EXTERNAL_GATE, ExternalVerdictError, giveExternalVerdict } from '../../interop/external-approval.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { ServerError } from '../../server/client.ts';
import {
  FILE_FLAG,
  JSON_FLAG,
  parse,
  pipelineFile,
  refusal,
  runId,
  serverClientFor,
  serverRunning,
  STORE_FLAG,
  storeFor,
  whoAmI,
} from '../setup.ts';

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
    if (tokenGiven(io) && serverRunning(io, values)) return viaServer(io, id, verdict, values);
    const who = whoAmI(io, values.as);
    const { store } = await storeFor(io, values, { existing: true });
    try {
      const given = await giveRunVerdict(store, {
        runId: id,
        ...(values.step ? { step: values.step } : {}),
        who,
        verdict,
        ...(values.comment ? { comment: values.comment } : {}),
        at: new Date(),
      });
      const text = `${given.approver} ${verdict === 'approve' ? 'approved' : 'rejected'} ${given.step} of run ${id}`;
      io.out(values.json ? `${JSON.stringify(given)}\n` : `${text}\n`);
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof VerdictError)) throw err;
      if (err.kind !== 'not-allowed') throw new UsageError(err.message);
      io.err(`runway: ${err.message}\n`);
      return EXIT.auth;
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

/** Whether the caller brought a token of their own (RUNWAY_TOKEN or RUNWAY_TOKEN_FILE). */
function tokenGiven(io: Io): boolean {
  return Boolean(io.env['RUNWAY_TOKEN'] || io.env['RUNWAY_TOKEN_FILE']);
}

/** With a token of one's own, the verdict goes to the server, which checks the token's role. */
async function viaServer(
  io: Io,
  id: number,
  verdict: 'approve' | 'reject',
  values: { as?: string; step?: string; comment?: string; store?: string; file?: string; json?: boolean },
): Promise<number> {
  if (values.as !== undefined)
    throw new UsageError("--as does not go with RUNWAY_TOKEN: the token's name is who gives the verdict");
  try {
    const given = await serverClientFor(io, values).verdict(id, {
      verdict,
      ...(values.step ? { step: values.step } : {}),
      ...(values.comment ? { comment: values.comment } : {}),
    });
    const text = `${given.approver} ${verdict === 'approve' ? 'approved' : 'rejected'} ${given.step} of run ${id}`;
    io.out(values.json ? `${JSON.stringify(given)}\n` : `${text}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ServerError) throw refusal(err);
    throw err;
  }
}
