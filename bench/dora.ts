/*
 * `runway dora` over a million deployment records in the real SQLite store and in a real PostgreSQL
 * 15 (a cluster of its own on 127.0.0.1, as the store tests start it), each against a peer that reads
 * the same rows from the same database and computes the same figures in JavaScript (what a script over
 * an export would do). The same rows go into both stores (SQLite's rollup triggers count them as they
 * go in; PostgreSQL's trigger is off during the bulk load and the rollups are rebuilt from the rows
 * afterwards with the migration's own function). Prints both stores side by side; checks that every
 * run agrees with its peer on the counts and the median lead time.
 *
 *   node bench/dora.ts [--deployments 1000000] [--repeat 5] [--seed 7] [--stores sqlite,postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openStore } from '../src/store/open.ts';
import { startPostgres } from '../src/store/postgres/postgres.fixture.ts';
import type { Store } from '../src/store/store.ts';
import { dora } from '../src/telemetry/dora-query.ts';

const { values: args } = parseArgs({
  options: {
    deployments: { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
    stores: { type: 'string', default: 'sqlite,postgres' },
  },
});
const N = Number(args.deployments);
const REPEAT = Number(args.repeat);
const STORES = args.stores.split(',').map((s) => s.trim());
for (const s of STORES)
  if (s !== 'sqlite' && s !== 'postgres') throw new Error(`--stores: unknown store "${s}"`);
const SERVICES = 20;
const MIN = 60_000;
const END = Date.parse('2026-03-01T00:00:00Z');
// a million deployments over about two years: one every minute across 20 services
const START = END - N * MIN;

let seed = Number(args.seed);
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

const COLUMNS = [
  'id',
  'service',
  'environment',
  'version',
  'run_id',
  'sha',
  'change_type',
  'committed_at_ms',
  'started_at_ms',
  'finished_at_ms',
  'outcome',
  'kind',
  'incident_id',
  'fixed_by',
] as const;
type Row = [
  string,
  string,
  string,
  string,
  number,
  string,
  string,
  number,
  number,
  number,
  string,
  string,
  string | null,
  string | null,
];

/** The rows, generated once from the seed, so that both stores hold exactly the same deployments. */
const rows: Row[] = [];
for (let i = 0; i < N; i++) {
  const started = START + i * MIN;
  const finished = started + Math.floor(5 * MIN + random() * 55 * MIN);
  const r = random();
  const outcome = r < 0.04 ? 'rolled-back' : r < 0.05 ? 'aborted' : 'succeeded';
  rows.push([
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
  ]);
}

const from = new Date(START);
const to = new Date(END + 2 * 60 * MIN);
const PEER_SQL = `SELECT outcome, kind, change_type, committed_at_ms, started_at_ms, finished_at_ms, incident_id, fixed_by
  FROM deployments WHERE environment = 'production' AND finished_at_ms >= $1 AND finished_at_ms < $2`;

/** The peer's figures from the rows a query returned. */
function peerFigures(result: Record<string, unknown>[]) {
  let total = 0;
  let succeeded = 0;
  let failed = 0;
  const leads: number[] = [];
  for (const r of result) {
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
}

interface Measured {
  store: string;
  loadMs: number;
  ours: number[];
  theirs: number[];
  agree: boolean;
  summary: string;
}

/** Times `runway dora` and the peer alternately, REPEAT times each. */
async function measure(
  name: string,
  store: Store,
  peer: () => Promise<ReturnType<typeof peerFigures>>,
  loadMs: number,
): Promise<Measured> {
  const ours: number[] = [];
  const theirs: number[] = [];
  let report;
  let check;
  for (let i = 0; i < REPEAT; i++) {
    let t = performance.now();
    report = await dora(store, { from, to });
    ours.push(performance.now() - t);
    t = performance.now();
    check = await peer();
    theirs.push(performance.now() - t);
  }
  const agree =
    report!.deployments.total === check!.total &&
    report!.deployments.succeeded === check!.succeeded &&
    report!.deployments.failed === check!.failed &&
    report!.leadTimeForChanges.value === check!.lead;
  const summary =
    `production deployments ${report!.deployments.total.toLocaleString('en')}, failed ${report!.deployments.failed.toLocaleString('en')}, ` +
    `median lead time ${report!.leadTimeForChanges.text} (exact ${Math.round(check!.lead! / MIN)} min)`;
  return { store: name, loadMs, ours, theirs, agree, summary };
}

async function sqlite(dir: string): Promise<Measured> {
  const file = join(dir, 'runway.db');
  // create the schema through the store, then load rows in bulk with the same columns it writes
  await (await openStore(file)).close();
  const db = new DatabaseSync(file);
  const t0 = performance.now();
  db.exec('BEGIN');
  const insert = db.prepare(
    `INSERT INTO deployments (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  );
  for (const row of rows) insert.run(...row);
  db.exec('COMMIT');
  db.exec('ANALYZE');
  const loadMs = performance.now() - t0;
  const store = await openStore(file);
  const query = db.prepare(PEER_SQL.replace('$1', '?').replace('$2', '?'));
  try {
    return await measure(
      'SQLite',
      store,
      () =>
        Promise.resolve(peerFigures(query.all(from.getTime(), to.getTime()) as Record<string, unknown>[])),
      loadMs,
    );
  } finally {
    await store.close();
    db.close();
  }
}

async function postgres(): Promise<Measured> {
  const cluster = await startPostgres();
  try {
    const url = await cluster.freshDatabase();
    await (await openStore(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // BIGINT columns come back as strings from pg; the peer converts them as a script would
    const types = [
      'text',
      'text',
      'text',
      'text',
      'int8',
      'text',
      'text',
      'int8',
      'int8',
      'int8',
      'text',
      'text',
      'text',
      'text',
    ];
    const t0 = performance.now();
    // a bulk load: the rollup trigger is off while rows go in, then the migration's own rebuild
    // recounts the rollups from the rows in one statement
    await client.query('ALTER TABLE deployments DISABLE TRIGGER deployments_rollup');
    const BATCH = 50_000;
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      await client.query(
        `INSERT INTO deployments (${COLUMNS.join(', ')})
         SELECT * FROM unnest(${types.map((t, c) => `$${c + 1}::${t}[]`).join(', ')})`,
        COLUMNS.map((_, c) => batch.map((row) => row[c])),
      );
    }
    await client.query('SELECT deployment_rollup_rebuild()');
    await client.query('ALTER TABLE deployments ENABLE TRIGGER deployments_rollup');
    await client.query('ANALYZE deployments');
    await client.query('ANALYZE deployment_rollup');
    const loadMs = performance.now() - t0;
    const store = await openStore(url);
    try {
      return await measure(
        'PostgreSQL',
        store,
        async () => {
          const result = await client.query(PEER_SQL, [from.getTime(), to.getTime()]);
          return peerFigures(
            result.rows.map((r: Record<string, unknown>) => ({
              ...r,
              committed_at_ms: r['committed_at_ms'] === null ? null : Number(r['committed_at_ms']),
            })),
          );
        },
        loadMs,
      );
    } finally {
      await store.close();
      await client.end();
    }
  } finally {
    cluster.stop();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'runway-bench-dora-'));
const results: Measured[] = [];
try {
  if (STORES.includes('sqlite')) results.push(await sqlite(dir));
  if (STORES.includes('postgres')) results.push(await postgres());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(10);
console.log(`${N.toLocaleString('en')} deployments, ${REPEAT} rounds; ${results[0]?.summary ?? ''}`);
console.log(
  `${'store'.padEnd(11)} ${'load'.padStart(10)} ${'runway dora'.padStart(12)} ${'(min)'.padStart(10)} ${'peer'.padStart(10)} ${'ratio peer/runway'.padStart(18)}  aim < 200 ms  figures agree`,
);
for (const r of results) {
  console.log(
    `${r.store.padEnd(11)} ${`${(r.loadMs / 1000).toFixed(1)} s`.padStart(10)} ${ms(median(r.ours)).padStart(12)} ${ms(Math.min(...r.ours))} ${ms(median(r.theirs))} ${`${(median(r.theirs) / median(r.ours)).toFixed(1)}×`.padStart(18)}  ${(median(r.ours) < 200 ? 'met' : 'missed').padEnd(12)}  ${r.agree ? 'yes' : 'NO'}`,
  );
}
if (results.some((r) => !r.agree) || new Set(results.map((r) => r.summary)).size > 1) process.exitCode = 1;
