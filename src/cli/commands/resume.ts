import { UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, runId, STORE_FLAG, storeFor } from '../setup.ts';
import { execute } from './run.ts';

/** `runway resume RUN`: continues a run whose runner died, from its last finished step. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...STORE_FLAG, ...JSON_FLAG, ...FILE_FLAG });
  const id = runId(positionals[0], 'runway resume RUN');
  const { store, dataDir } = await storeFor(io, values, { existing: true });
  try {
    const existing = await store.getRun(id);
    if (!existing) throw new UsageError(`run ${id} does not exist — see "runway runs"`);
    const json = Boolean(values.json);
    return await execute(
      io,
      store,
      existing.pipeline,
      json,
      (engine, signal) => engine.resume(id, signal),
      dataDir,
    );
  } finally {
    await store.close();
  }
}
