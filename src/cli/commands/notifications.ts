import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, STORE_FLAG, storeFor } from '../setup.ts';

const USAGE = 'runway notifications [--run N] [--limit N] [--json] [--store URL]';

/** `runway notifications`: the delivery log — what was sent to whom, how many attempts, and why one failed. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...STORE_FLAG,
    ...FILE_FLAG,
    ...JSON_FLAG,
    run: { type: 'string' },
    limit: { type: 'string' },
  });
  const runId = values.run === undefined ? undefined : Number(values.run.replace(/^#/, ''));
  if (runId !== undefined && (!Number.isInteger(runId) || runId < 1))
    throw new UsageError(`--run "${values.run}" is not a run id (a positive number) — usage: ${USAGE}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit "${values.limit}" is not a positive number — usage: ${USAGE}`);
  const { store } = await storeFor(io, values, { existing: true });
  try {
    const deliveries = await store.deliveries({ ...(runId === undefined ? {} : { runId }), limit });
    if (values.json) {
      io.out(`${JSON.stringify(deliveries)}\n`);
      return EXIT.ok;
    }
    if (deliveries.length === 0) io.out('no notifications sent yet\n');
    for (const d of deliveries) {
      const where = d.runId === undefined ? '' : ` run #${d.runId}`;
      io.out(
        `${d.createdAt}  ${d.status.padEnd(9)} ${d.subscription} (${d.kind}) ${d.event}${where} — ${d.attempts} attempt(s)${d.error && d.status !== 'delivered' ? `: ${d.error}` : ''}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
