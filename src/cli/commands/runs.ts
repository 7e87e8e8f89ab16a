import { formatDuration } from '../../engine/duration.ts';
import { processAlive } from '../../executors/local/process-group.ts';
import type { RunRecord, Store } from '../../store/store.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { statusMark } from '../render/plain.ts';
import { FILE_FLAG, JSON_FLAG, parse, runId, STORE_FLAG, storeExists, storeFor } from '../setup.ts';
import { hostname } from 'node:os';

/** `runway runs [RUN]`: lists runs, or shows one in full. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...STORE_FLAG,
    ...JSON_FLAG,
    ...FILE_FLAG,
    limit: { type: 'string' },
  });
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive number, got "${values.limit}"`);
  if (positionals[0] === undefined && !storeExists(io, values)) {
    io.out(values.json ? '[]\n' : 'no runs yet — start one with "runway run"\n');
    return EXIT.ok;
  }
  const { store } = await storeFor(io, values, { existing: true });
  try {
    if (positionals[0] !== undefined) {
      const id = runId(positionals[0], 'runway runs [RUN]');
      const detail = await runDetail(store, id);
      if (!detail) throw new UsageError(`run ${id} does not exist — see "runway runs"`);
      if (values.json) io.out(`${JSON.stringify(detail, null, 2)}\n`);
      else printDetail(io, detail);
      return EXIT.ok;
    }
    const runs = await store.listRuns({ limit });
    if (values.json) {
      const details = await Promise.all(runs.map((r) => runDetail(store, r.id)));
      io.out(`${JSON.stringify(details, null, 2)}\n`);
      return EXIT.ok;
    }
    if (runs.length === 0) {
      io.out('no runs yet — start one with "runway run"\n');
      return EXIT.ok;
    }
    for (const r of runs) {
      const took = r.finishedAt ? formatDuration(Date.parse(r.finishedAt) - Date.parse(r.createdAt)) : '';
      const state = displayStatus(r);
      io.out(
        `${statusMark(io, r.status)} ${String(r.id).padStart(4)}  ${state.padEnd(10)} ${r.pipeline.name.padEnd(16)} ${(r.context.sha.slice(0, 8) || '-').padEnd(8)}  ${r.createdAt.replace('T', ' ').slice(0, 19)}  ${took}${r.reason ? paint(io, 'dim', `  ${r.reason}`) : ''}${state === 'orphaned' ? paint(io, 'yellow', `  runway resume ${r.id}`) : ''}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** A run with everything recorded about it. */
export async function runDetail(store: Store, id: number) {
  const run = await store.getRun(id);
  if (!run) return undefined;
  const { pipeline, ...rest } = run;
  return {
    ...rest,
    displayStatus: displayStatus(run),
    pipeline: { name: pipeline.name, file: pipeline.file },
    stages: await store.stages(id),
    steps: await store.steps(id),
    outputs: await store.outputs(id),
    evidence: await store.evidence(id),
  };
}

/** `running`, or `orphaned` when the process running it is gone (then it can be resumed). */
function displayStatus(r: RunRecord): string {
  if (r.status !== 'running' || !r.owner) return r.status;
  if (r.owner.host === hostname() && !processAlive(r.owner.pid)) return 'orphaned';
  return 'running';
}

function printDetail(io: Io, d: NonNullable<Awaited<ReturnType<typeof runDetail>>>): void {
  io.out(
    `${statusMark(io, d.status)} ${paint(io, 'bold', `run ${d.id}`)} ${d.displayStatus} — ${d.pipeline.name} (${d.pipeline.file})\n`,
  );
  io.out(`  commit ${d.context.sha || '-'} on ${d.context.ref || '-'} by ${d.context.author || '-'}\n`);
  io.out(`  message ${JSON.stringify(d.context.message.split('\n')[0] ?? '')}\n`);
  if (d.reason) io.out(`  reason ${d.reason}\n`);
  for (const stage of d.stages) {
    io.out(
      `${statusMark(io, stage.status)} ${paint(io, 'bold', stage.name)} ${stage.status}${stage.reason ? paint(io, 'dim', ` — ${stage.reason}`) : ''}\n`,
    );
    for (const s of d.steps.filter((x) => x.stage === stage.name)) {
      const took =
        s.startedAt && s.finishedAt ? formatDuration(Date.parse(s.finishedAt) - Date.parse(s.startedAt)) : '';
      const extra = [s.attempts > 1 ? `${s.attempts} attempts` : '', s.flaky ? 'flaky' : '', s.reason ?? '']
        .filter(Boolean)
        .join(', ');
      io.out(
        `   ${statusMark(io, s.status)} ${s.id.padEnd(22)} ${took.padEnd(7)} ${paint(io, 'dim', extra)}\n`,
      );
      for (const [k, v] of Object.entries(d.outputs[s.key] ?? {}))
        io.out(paint(io, 'dim', `       ${k}=${v}\n`));
    }
  }
  if (d.evidence.length) {
    io.out(`${paint(io, 'bold', 'evidence')}\n`);
    for (const e of d.evidence)
      io.out(`  ${e.key} = ${JSON.stringify(e.value)} ${paint(io, 'dim', `(${e.stepKey})`)}\n`);
  }
}
