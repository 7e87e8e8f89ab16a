/**
 * Kills `runway run` / `runway resume` with SIGKILL at random moments and resumes until the run ends,
 * then checks that nothing was lost and nothing ran twice. Then does the same to rollouts (see
 * `chaos-rollouts.ts`): canaries through `runway serve` and the agent, killing the runner, the control
 * plane or the agent at random moments.
 *
 *   node bench/chaos.ts [--kills 100] [--rollout-kills 100] [--steps 30] [--seed 7] [--keep]
 *
 * Each step appends `done <id>` to a ledger as its last act. After the run succeeds the script counts:
 * kills, resumes, lost steps (a step recorded succeeded without its ledger line, or not succeeded),
 * duplicates (a step whose `done` line appears more than once although it ran one attempt, or more
 * lines than attempts), re-runs of the step in flight at a kill (at-least-once by design, reported
 * apart), and the time from a kill until the next runner had taken the run over.
 * It exits 1 when anything was lost or duplicated; it is a measurement otherwise.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { rolloutChaos } from './chaos-rollouts.ts';
import { intFlag } from './flags.ts';

const RUNWAY_BIN = resolve(import.meta.dirname, '..', 'bin', 'runway.js');

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    'rollout-kills': { type: 'string', default: '100' },
    steps: { type: 'string', default: '30' },
    seed: { type: 'string', default: '7' },
    keep: { type: 'boolean', default: false },
  },
});
const kills = intFlag('kills', values.kills, 0, 10_000);
const rolloutKills = intFlag('rollout-kills', values['rollout-kills'], 0, 10_000);
const steps = intFlag('steps', values.steps, 2, 1000);
let seed = intFlag('seed', values.seed, 0, 2 ** 31 - 1);
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

let dir = '';
const half = Math.ceil(steps / 2);
const step = (i: number) =>
  `      - { id: s${i}, run: 'sleep 0.0$((RANDOM % 5)); echo "done s${i}" >> ledger.txt' }`;
const PIPELINE =
  `version: 1\nstages:\n  a:\n    steps:\n${Array.from({ length: half }, (_, i) => step(i)).join('\n')}\n` +
  `  b:\n    needs: a\n    steps:\n${Array.from({ length: steps - half }, (_, i) => step(half + i)).join('\n')}\n`;
const env = { ...process.env, NO_COLOR: '1' };

/**
 * Starts a runner with `--json`; kills it `delayMs` after its `killAfter`-th event (or lets it end).
 * `resumedMs` is how long a resume took from its start to its `run.resumed` event.
 */
async function runner(
  args: string[],
  killAfter: number,
  delayMs: number,
): Promise<{ killed: boolean; code: number | null; resumedMs?: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [RUNWAY_BIN, ...args, '--json'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let events = 0;
  let killed = false;
  let resumedMs: number | undefined;
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('"type":"run.resumed"')) resumedMs = performance.now() - started;
      if (++events === killAfter && !killed) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    }
  });
  const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  return { killed: code === null, code, ...(resumedMs === undefined ? {} : { resumedMs }) };
}

const status = (): string => {
  if (!existsSync(join(dir, '.runway', 'runway.db'))) return 'none';
  const db = new DatabaseSync(join(dir, '.runway', 'runway.db'), { readOnly: true });
  const row = db.prepare('SELECT status FROM runs WHERE id = 1').get() as { status: string } | undefined;
  db.close();
  return row?.status ?? 'none';
};

let done = 0;
let resumes = 0;
let runs = 0;
let lost = 0;
let duplicates = 0;
let reruns = 0;
let failedRuns = 0;
const takeover: number[] = [];

/** One run, killed at random events until it ends or the kill budget is spent, then checked. */
async function chaosRun(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'runway-chaos-'));
  writeFileSync(join(dir, 'runway.yaml'), PIPELINE);
  runs++;
  let first = true;
  while (true) {
    const args = first ? ['run', '--trigger', 'bench'] : ['resume', '1'];
    if (!first) resumes++;
    if (first && status() !== 'none') throw new Error('a second run would be created');
    // a kill after a random event of this runner (claiming, step start, process, finish…), a little later
    const killAfter = done < kills ? 1 + Math.floor(random() * 3 * steps) : Number.POSITIVE_INFINITY;
    const r = await runner(args, killAfter, Math.floor(random() * 40));
    if (!first && !r.killed && r.code === 2) throw new Error(`resume refused in ${dir}`);
    if (r.resumedMs !== undefined) takeover.push(r.resumedMs);
    first = false;
    if (r.killed) done++;
    const now = status();
    // killed before the run was recorded: nothing to resume, start it again
    if (now === 'none') first = true;
    else if (now !== 'running') break;
  }
  const db = new DatabaseSync(join(dir, '.runway', 'runway.db'), { readOnly: true });
  const rows = db.prepare('SELECT step_id, status, attempts FROM steps WHERE run_id = 1').all() as {
    step_id: string;
    status: string;
    attempts: number;
  }[];
  const runStatus = (db.prepare('SELECT status FROM runs WHERE id = 1').get() as { status: string }).status;
  db.close();
  if (runStatus !== 'succeeded') failedRuns++;
  const ledger = readFileSync(join(dir, 'ledger.txt'), 'utf8').trim().split('\n');
  const count = new Map<string, number>();
  for (const line of ledger) count.set(line.slice(5), (count.get(line.slice(5)) ?? 0) + 1);
  for (const r of rows) {
    const n = count.get(r.step_id) ?? 0;
    if (r.status !== 'succeeded' || n === 0) lost++;
    if (n > r.attempts || (n > 1 && r.attempts === 1)) duplicates += n - 1;
    else if (n > 1) reruns += n - 1;
  }
  lost += steps - rows.length;
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

const startedAt = performance.now();
while (done < kills) await chaosRun();
const sorted = [...takeover].sort((a, b) => a - b);
const pct = (xs: readonly number[], p: number) => {
  const ys = [...xs].sort((a, b) => a - b);
  return ys.length ? ys[Math.min(ys.length - 1, Math.floor(p * ys.length))]! : 0;
};
console.log(`RUNS`);
console.log(`runs             ${runs} of ${steps} steps each, ${failedRuns} not succeeded`);
console.log(`kills            ${done}`);
console.log(`resumes          ${resumes}`);
console.log(`lost             ${lost}`);
console.log(`duplicates       ${duplicates}   (aim 0: a finished step ran again)`);
console.log(`in-flight reruns ${reruns}   (the step running at a kill runs again: at-least-once)`);
console.log(
  `time to resume   median ${pct(sorted, 0.5).toFixed(0)} ms, p95 ${pct(sorted, 0.95).toFixed(0)} ms (starting runway resume to its run.resumed event; Node start-up included)`,
);
console.log(`wall time        ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);

let rolloutsOk = true;
if (rolloutKills > 0) {
  const t = performance.now();
  const r = await rolloutChaos({ kills: rolloutKills, random, keep: values.keep });
  const total = r.kills.runner + r.kills['control plane'] + r.kills.agent;
  console.log(`ROLLOUTS`);
  console.log(
    `rollouts         ${r.rollouts} canaries (25% → 50% → 100%, 2 replicas), ${r.notSucceeded} not succeeded`,
  );
  console.log(
    `kills            ${total} (runner ${r.kills.runner}, control plane ${r.kills['control plane']}, agent ${r.kills.agent})`,
  );
  console.log(`resumes          ${r.resumes} (runway resume after a runner was killed)`);
  console.log(
    `  of which late  ${r.endedBeforeResume} (the runner was killed after the run ended: resume said so, exit 2)`,
  );
  console.log(
    `runs again       ${r.advisedReruns} (the step found the control plane down, failed and said to run the pipeline again)`,
  );
  console.log(
    `duplicates       ${r.duplicates}   (aim 0: a second rollout of a version, or an instance started twice)`,
  );
  console.log(`wrong version    ${r.wrongVersion}   (production not serving the new version afterwards)`);
  console.log(
    `orphans          ${r.orphans}   (instance processes left after serve stop and the agent's exit)`,
  );
  for (const [victim, xs] of Object.entries(r.resumeMs)) {
    console.log(
      `time to resume   ${victim.padEnd(13)} median ${pct(xs, 0.5).toFixed(0)} ms, p95 ${pct(xs, 0.95).toFixed(0)} ms (${xs.length} kills)`,
    );
  }
  console.log(`wall time        ${((performance.now() - t) / 1000).toFixed(0)} s`);
  for (const f of r.failures) console.log(`  ${f}`);
  rolloutsOk = r.notSucceeded === 0 && r.duplicates === 0 && r.wrongVersion === 0 && r.orphans === 0;
}
process.exit(lost === 0 && duplicates === 0 && failedRuns === 0 && rolloutsOk ? 0 : 1);
