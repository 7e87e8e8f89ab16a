/**
 * Start-up cost of the CLI against a bare Node start, measured side by side in one run.
 *
 *   node bench/startup.ts [--rounds 15] [--sources] [--no-build] [--baseline DIR]
 *
 * Commands, alternated round by round so machine noise hits all of them alike:
 *   node -e 0                                  the floor: Node itself
 *   runway --version
 *   runway validate -f examples/runway.yaml    the demo pipeline (17 stages, analysis, environments)
 *   runway run (1 step)                        a one-step pipeline (`run: "true"`), fresh store each round
 * Runway runs as a package runs it: the built dist/ (scripts/build.ts first, unless --no-build);
 * --sources measures the TypeScript sources instead. --baseline DIR also runs the three Runway commands
 * of another copy of the package (DIR/bin/runway.js with DIR/dist/, e.g. the build before a change:
 * `mkdir DIR && cp -a bin dist package.json DIR && ln -s $PWD/node_modules DIR/`) in the same rounds,
 * so a before/after comparison shares the machine's load. Prints median wall time, max RSS (when
 * /usr/bin/time is there) and the ratio of each median to the bare Node median, with the aims of
 * issue #10: --version ≤ 2×, validate ≤ 4×, the 1-step run ≤ 6×. A measurement, not a test: exits 0
 * whatever the ratios, 1 only when a command fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { intFlag } from './flags.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'runway.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Case {
  label: string;
  args: (round: number) => string[];
  aim?: number;
  ms: number[];
  rssKb: number[];
}

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '15' },
      sources: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log('usage: node bench/startup.ts [--rounds 15] [--sources] [--no-build] [--baseline DIR]');
    process.exit(0);
  }
  return {
    rounds: intFlag('rounds', values.rounds, 1, 1000),
    sources: values.sources,
    build: !values['no-build'],
    baseline: values.baseline === undefined ? undefined : resolve(values.baseline),
  };
}

function timeOnce(args: string[], env: NodeJS.ProcessEnv, cwd: string): { ms: number; rssKb: number } {
  const cmd = TIME ? [TIME, '-f', '%M', process.execPath, ...args] : [process.execPath, ...args];
  const t0 = performance.now();
  const res = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = performance.now() - t0;
  if (res.status !== 0) {
    console.error(`bench: ${args.join(' ')} exited ${res.status}\n${res.stdout}\n${res.stderr}`);
    process.exit(1);
  }
  const rssKb = TIME ? Number(/(\d+)\s*$/.exec(res.stderr)?.[1] ?? NaN) : NaN;
  return { ms, rssKb };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The three Runway commands, run by the `bin` given; `tag` marks a baseline's rows. */
function runwayCases(bin: string, tag: string, work: string): Case[] {
  const store = (r: number) => join(work, `store${tag ? '-baseline' : ''}-${r}`, 'runway.db');
  return [
    { label: `runway --version${tag}`, args: () => [bin, '--version'], aim: 2, ms: [], rssKb: [] },
    {
      label: `runway validate examples/runway.yaml${tag}`,
      args: () => [bin, 'validate', '-f', join(ROOT, 'examples', 'runway.yaml')],
      aim: 4,
      ms: [],
      rssKb: [],
    },
    {
      label: `runway run (1 step, fresh store)${tag}`,
      args: (r) => [bin, 'run', '--store', store(r), '--sha', 'b'.repeat(40), '--message', 'bench'],
      aim: 6,
      ms: [],
      rssKb: [],
    },
  ];
}

function main(): void {
  const opts = options();
  if (!opts.sources && opts.build) {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.ts')], { stdio: 'inherit' });
    if (built.status !== 0) process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'runway-startup-'));
  writeFileSync(
    join(work, 'runway.yaml'),
    'version: 1\nname: one-step\nstages:\n  only:\n    steps:\n      - run: "true"\n',
  );
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', RUNWAY_BUILT: opts.sources ? '0' : '1' };
  const cases: Case[] = [
    { label: 'node -e 0', args: () => ['-e', '0'], ms: [], rssKb: [] },
    ...runwayCases(BIN, '', work),
    ...(opts.baseline ? runwayCases(join(opts.baseline, 'bin', 'runway.js'), ' [baseline]', work) : []),
  ];

  console.log(
    `runway bench: start-up, ${opts.sources ? 'TypeScript sources' : 'built dist/'} against bare Node`,
  );
  console.log(
    `node ${process.version}  cpus ${cpus().length}  load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}  rounds ${opts.rounds} (+1 warm-up)`,
  );
  try {
    for (let r = -1; r < opts.rounds; r++) {
      for (const c of cases) {
        const t = timeOnce(c.args(r + 1), env, work);
        if (r >= 0) {
          c.ms.push(t.ms);
          c.rssKb.push(t.rssKb);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const floor = median(cases[0]!.ms);
  const rows = [['command', 'median ms', 'min ms', 'max RSS MB', 'ratio to node -e 0', 'aim']];
  for (const c of cases) {
    const ratio = median(c.ms) / floor;
    rows.push([
      c.label,
      median(c.ms).toFixed(1),
      Math.min(...c.ms).toFixed(1),
      Number.isNaN(median(c.rssKb)) ? '-' : (median(c.rssKb) / 1024).toFixed(0),
      `${ratio.toFixed(2)}x`,
      c.aim === undefined ? '' : `≤ ${c.aim}x ${ratio <= c.aim ? 'met' : 'missed'}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  console.log('');
  for (const row of rows)
    console.log(
      row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    );
}

main();
