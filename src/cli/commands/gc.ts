import { parseDuration } from '../../engine/duration.ts';
import { planGc, releaseCopies, removeCopy } from '../../deploy/release-gc.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, STORE_FLAG, storeFor } from '../setup.ts';

const USAGE = 'runway gc [--dry-run] [--min-age 1h] [--json] [--store URL]';

/** `runway gc`: removes release copies no environment keeps (each keeps its last 10 revisions) and no rollout uses. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...STORE_FLAG,
    ...FILE_FLAG,
    ...JSON_FLAG,
    'dry-run': { type: 'boolean' },
    'min-age': { type: 'string' },
  });
  let minAgeMs: number;
  try {
    minAgeMs = parseDuration(values['min-age'] ?? '1h');
  } catch {
    throw new UsageError(
      `--min-age "${values['min-age']}" is not a duration such as 1h or 30m — usage: ${USAGE}`,
    );
  }
  const { store, dataDir } = await storeFor(io, values, { existing: true });
  try {
    const [environments, active] = await Promise.all([
      store.environments(),
      store.rollouts({ active: true, limit: 10_000 }),
    ]);
    const plan = planGc(releaseCopies(dataDir), environments, active, Date.now(), minAgeMs);
    if (!values['dry-run']) for (const copy of plan.remove) removeCopy(copy);
    const verb = values['dry-run'] ? 'would remove' : 'removed';
    if (values.json) {
      io.out(
        `${JSON.stringify({
          dryRun: Boolean(values['dry-run']),
          removed: plan.remove.map((c) => ({ service: c.service, version: c.version })),
          kept: plan.keep.map((c) => ({ service: c.service, version: c.version, why: c.why })),
        })}\n`,
      );
    } else {
      for (const c of plan.remove) io.out(`${verb} ${c.service} ${c.version}\n`);
      for (const c of plan.keep) io.out(`kept ${c.service} ${c.version}: ${c.why}\n`);
      if (plan.remove.length === 0 && plan.keep.length === 0) io.out('no release copies\n');
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
