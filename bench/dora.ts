/*
 * `runway dora` over a million deployment records in the real SQLite store, against a peer that
 * reads the same rows and computes the same figures in JavaScript (what a script over an export
 * would do). Prints both times and their ratio; checks that both agree on the counts.
 *
 *   node bench/dora.ts [--deployments 1000000] [--repeat 5] [--seed 7]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/open.ts';
import { dora } from '../src/telemetry/dora-query.ts';

const { values: args } = parseArgs({
  options: {
    deployments: { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
  },
});
const N = Number(args.deployments);
const REPEAT = Number(args.repeat);
const SERVICES = 20;
const MIN = 60_000;
const END = Date.parse('2026-03-01T00:00:00Z');
// a million deployments over about two years: one every minute across 20 services
const START = END - N * MIN;

let seed = Number(args.seed);
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

const dir = mkdtempSync(join(tmpdir(), 'runway-bench-dora-'));
const file = join(dir, 'runway.db');
try {
  // create the schema through the store, then load rows in bulk with the same columns it writes
  await (await openStore(file)).close();
  const db = new DatabaseSync(file);
  const t0 = performance.now();
  db.exec('BEGIN');
  const insert = db.prepare(
    `INSERT INTO deployments (id, service, environment, version, run_id, sha, change_type, committed_at_ms,
       started_at_ms, finished_at_ms, outcome, kind, incident_id, fixed_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < N; i++) {
    const started = START + i * MIN;
    const finished = started + Math.floor(5 * MIN + random() * 55 * MIN);
    const r = random();
    const outcome = r < 0.04 ? 'rolled-back' : r < 0.05 ? 'aborted' : 'succeeded';
    insert.run(
      `d${i}`,
      `svc-${i % SERVICES}`,
      i % 4 === 0 ? 'staging' : 'production',
      `v${i}`,
      i,
      i.toString(16).padStart(40, '0'),
      random() < 0.12 ? 'fix' : 'feat',
      started - Math.floor(random() * 48 * 60 * MIN),
      started,
      finished,
      outcome,
      i % 500 === 0 ? 'rehearsal' : 'progressive',
      random() < 0.01 ? `inc-${i}` : null,
      random() < 0.02 ? `d${i + 1}` : null,
    );
  }
  db.exec('COMMIT');
  db.exec('ANALYZE');
  console.log(`loaded ${N.toLocaleString('en')} deployments in ${Math.round(performance.now() - t0)} ms`);

  const store = await openStore(file);
  const from = new Date(START);
  const to = new Date(END + 2 * 60 * MIN);

  // the peer: every production row into JavaScript, then the same counts and medians there
  const peer = () => {
    const rows = db
      .prepare(
        `SELECT outcome, kind, change_type, committed_at_ms, started_at_ms, finished_at_ms, incident_id, fixed_by
         FROM deployments WHERE environment = 'production' AND finished_at_ms >= ? AND finished_at_ms < ?`,
      )
      .all(from.getTime(), to.getTime()) as Record<string, number | string | null>[];
    let total = 0;
    let succeeded = 0;
    let failed = 0;
    const leads: number[] = [];
    for (const r of rows) {
      if (r['kind'] === 'rehearsal' || r['outcome'] === 'in-progress') continue;
      total++;
      if (r['outcome'] === 'succeeded') {
        succeeded++;
        if (r['committed_at_ms'] !== null)
          leads.push(Math.max(Number(r['finished_at_ms']) - Number(r['committed_at_ms']), 0));
      }
      if (r['outcome'] !== 'succeeded' || r['incident_id'] !== null || r['fixed_by'] !== null) failed++;
    }
    leads.sort((a, b) => a - b);
    return { total, succeeded, failed, lead: leads[Math.ceil(leads.length / 2) - 1] };
  };

  const ours: number[] = [];
  const theirs: number[] = [];
  let report;
  let check;
  for (let i = 0; i < REPEAT; i++) {
    let t = performance.now();
    report = await dora(store, { from, to });
    ours.push(performance.now() - t);
    t = performance.now();
    check = peer();
    theirs.push(performance.now() - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const agree =
    report!.deployments.total === check!.total &&
    report!.deployments.succeeded === check!.succeeded &&
    report!.deployments.failed === check!.failed &&
    report!.leadTimeForChanges.value === check!.lead;
  console.log(
    `production deployments ${report!.deployments.total.toLocaleString('en')}, failed ${report!.deployments.failed.toLocaleString('en')}, ` +
      `median lead time ${report!.leadTimeForChanges.text} (exact ${Math.round(check!.lead! / MIN)} min)`,
  );
  console.log(
    `runway dora (SQLite aggregates)   median ${median(ours).toFixed(1)} ms   min ${Math.min(...ours).toFixed(1)} ms`,
  );
  console.log(
    `peer (rows into JavaScript)       median ${median(theirs).toFixed(1)} ms   min ${Math.min(...theirs).toFixed(1)} ms`,
  );
  console.log(
    `ratio peer / runway: ${(median(theirs) / median(ours)).toFixed(1)}×   figures agree: ${agree ? 'yes' : 'NO'}`,
  );
  await store.close();
  db.close();
  if (!agree) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
