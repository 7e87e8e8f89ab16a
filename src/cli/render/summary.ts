import { formatDuration } from '../../engine/duration.ts';
import type { RunRecord, Store } from '../../store/store.ts';
import { paint, type Io } from '../io.ts';
import { statusMark } from './plain.ts';

/** Prints the end of a run: its result, why it failed, and where to look next. */
export async function printSummary(io: Io, store: Store, run: RunRecord): Promise<void> {
  const steps = await store.steps(run.id);
  const took = run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.createdAt)) : '';
  const flaky = steps.filter((s) => s.flaky).map((s) => s.key);
  const failed = steps.filter((s) => s.status === 'failed');
  io.out('\n');
  io.out(
    `${statusMark(io, run.status)} ${paint(io, 'bold', `run ${run.id} ${run.status}`)}${took ? ` in ${took}` : ''}\n`,
  );
  for (const s of failed) {
    io.out(
      `  ${paint(io, 'red', s.key)}: ${s.reason ?? 'failed'}${s.failedButContinued ? ' (continue-on-error)' : ''}\n`,
    );
    io.out(paint(io, 'dim', `    runway logs ${run.id} ${s.key}\n`));
  }
  for (const s of steps.filter((x) => x.status === 'warning')) {
    io.out(`  ${paint(io, 'yellow', s.key)}: warning, ${s.reason ?? 'warn-on-exit'}\n`);
    io.out(paint(io, 'dim', `    runway logs ${run.id} ${s.key}\n`));
  }
  if (flaky.length) io.out(`  ${paint(io, 'yellow', 'flaky')} (passed only on retry): ${flaky.join(', ')}\n`);
  if (run.status === 'cancelled')
    io.out(paint(io, 'dim', '  cancelled; finished steps are kept in the store\n'));
}
