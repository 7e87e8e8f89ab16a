import { readFileSync } from 'node:fs';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { FILE_FLAG, parse, runId, STORE_FLAG, storeFor } from '../setup.ts';

/** `runway logs RUN [STEP]`: prints step logs from the store's log index. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...STORE_FLAG, ...FILE_FLAG });
  const id = runId(positionals[0], 'runway logs RUN [STEP]');
  const { store } = await storeFor(io, values, { existing: true });
  try {
    if (!(await store.getRun(id))) throw new UsageError(`run ${id} does not exist — see "runway runs"`);
    let steps = (await store.steps(id)).filter((s) => s.logPath);
    const wanted = positionals[1];
    if (wanted !== undefined) {
      const matches = steps.filter((s) => s.key === wanted || s.id === wanted);
      if (matches.length === 0) {
        throw new UsageError(
          `run ${id} has no step "${wanted}" with logs — expected one of: ${steps.map((s) => s.key).join(', ')}`,
        );
      }
      if (matches.length > 1) {
        throw new UsageError(
          `"${wanted}" names several steps — use one of: ${matches.map((s) => s.key).join(', ')}`,
        );
      }
      steps = matches;
    }
    for (const s of steps) {
      if (wanted === undefined) io.out(`${paint(io, 'bold', `── ${s.key} (${s.status}) ──`)}\n`);
      let text = '';
      try {
        text = readFileSync(s.logPath as string, 'utf8');
      } catch {
        // a step that printed nothing has no file; one that did and lost it says so
        text = s.logBytes ? `(log file ${s.logPath} is gone)\n` : '';
      }
      io.out(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
