import { dora, sinceOf } from '../../telemetry/dora-query.ts';
import type { DoraReport, Metric } from '../../telemetry/dora.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, instantFlag, JSON_FLAG, parse, STORE_FLAG, storeFor } from '../setup.ts';
import { systemClock } from '../../engine/clock.ts';

const USAGE = 'runway dora [--service S] [--since 30d|ISO-TIME] [--until ISO-TIME] [--json] [--store URL]';

/** `runway dora`: DORA's delivery metrics from this store's deployment records and incidents. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...STORE_FLAG,
    ...FILE_FLAG,
    ...JSON_FLAG,
    service: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
  });
  const to = instantFlag(values.until, systemClock, '--until');
  const from = sinceOf(values.since, to);
  if (typeof from === 'string') throw new UsageError(`${from} — usage: ${USAGE}`);
  if (from >= to) throw new UsageError(`--since must be before --until — usage: ${USAGE}`);
  const { store } = await storeFor(io, values, { existing: true });
  try {
    const report = await dora(store, { ...(values.service ? { service: values.service } : {}), from, to });
    io.out(values.json ? `${JSON.stringify(report)}\n` : render(report));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function render(r: DoraReport): string {
  const line = (name: string, m: Metric) =>
    `  ${name.padEnd(34)} ${m.text.padEnd(14)} ${m.band ? `${m.band} (${m.bandRange})` : ''}\n      ${m.basis}\n`;
  return (
    `DORA for ${r.service ?? 'all services'} in ${r.environment}, ${r.from} → ${r.to}\n` +
    `bands: ${r.bands.report}\n\n` +
    line('deployment frequency', r.deploymentFrequency) +
    line('lead time for changes', r.leadTimeForChanges) +
    line('change failure rate', r.changeFailureRate) +
    line('failed deployment recovery time', r.failedDeploymentRecoveryTime) +
    line('rework rate', r.reworkRate) +
    line('mean time to restore (incidents)', r.meanTimeToRestore)
  );
}
