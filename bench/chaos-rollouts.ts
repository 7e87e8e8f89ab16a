/**
 * The rollout half of `bench/chaos.ts`: canaries through the real `runway serve` and the real
 * data-plane agent, with `kill -9` of a random process at random moments: the runner (`runway run` /
 * `runway resume`), the control plane (`runway serve`, started again at once) or the agent (the control
 * plane's watchdog starts another, which adopts the instances). After each rollout it counts what
 * ran twice: a second rollout (revision) of the same version, or an instance of the new version started
 * more than once; and whether the run succeeded with production serving the new version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';

const RUNWAY_BIN = resolve(import.meta.dirname, '..', 'bin', 'runway.js');
const APP = `const http = require('node:http');
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end(process.env.RELEASE_VERSION);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
const VICTIMS = ['runner', 'control plane', 'agent'] as const;
type Victim = (typeof VICTIMS)[number];

/** What the rollout chaos measured. */
export interface RolloutChaosResult {
  readonly rollouts: number;
  readonly notSucceeded: number;
  readonly kills: Readonly<Record<Victim, number>>;
  readonly resumes: number;
  /** Runs started again because the step found the control plane down and said to run again. */
  readonly advisedReruns: number;
  /** Runners killed after the run had ended: the resume found nothing to do and said so (exit 2). */
  readonly endedBeforeResume: number;
  /** What went wrong, one line per rollout that did not end well. */
  readonly failures: readonly string[];
  /** A second rollout of one version, or an instance of the new version started again. */
  readonly duplicates: number;
  /** Rollouts after which production did not serve the new version. */
  readonly wrongVersion: number;
  /** Instance processes still running after the control plane and the agent were stopped. */
  readonly orphans: number;
  /** Milliseconds from a kill until the killed part works again, by victim. */
  readonly resumeMs: Readonly<Record<Victim, readonly number[]>>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function pipeline(version: string, port: number): string {
  return `version: 1
service: { name: web, health: /health }
environments:
  production: { target: { kind: local, command: node server.js, port: ${port}, replicas: 2 } }
stages:
  production:
    steps:
      - uses: rollout
        with:
          environment: production
          version: ${version}
          artifact: app
          scale-down-delay: 0s
          steps:
            - setWeight: 25
            - pause: { duration: 1s }
            - setWeight: 50
            - pause: { duration: 1s }
            - setWeight: 100
`;
}

function get(port: number): Promise<string> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => done(res.statusCode === 200 ? body : `HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done(`error ${err.message}`));
    req.end();
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rolls out v1, v2, … one after another, killing a random part `kills` times in all at random
 * moments inside the rollouts (0–`maxDelayMs` after the run or the last recovery).
 */
export async function rolloutChaos(options: {
  kills: number;
  random: () => number;
  keep: boolean;
  maxDelayMs?: number;
}): Promise<RolloutChaosResult> {
  const { random } = options;
  const maxDelay = options.maxDelayMs ?? 3000;
  const dir = mkdtempSync(join(tmpdir(), 'runway-chaos-rollouts-'));
  const port = await freePort();
  const env = { ...process.env, NO_COLOR: '1' };
  const dataDir = join(dir, '.runway', 'runway');
  const agentDir = join(dataDir, 'agent');
  const db = () => new DatabaseSync(join(dir, '.runway', 'runway.db'), { readOnly: true });
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'server.js'), APP);

  /** The last lines each runner wrote to stderr, for the report of a run that did not end well. */
  const stderrOf = new WeakMap<ChildProcess, string>();
  const spawnCli = (args: string[]): ChildProcess => {
    const child = spawn(process.execPath, [RUNWAY_BIN, ...args], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderrOf.set(child, ((stderrOf.get(child) ?? '') + c).slice(-400));
    });
    return child;
  };
  const runStatus = (runId: number): string => {
    const d = db();
    const row = d.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as
      { status: string } | undefined;
    d.close();
    return row?.status ?? 'none';
  };
  const exited = (child: ChildProcess): Promise<number | null> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise((done) => child.once('close', (code) => done(code)));
  const pidIn = (file: string): number | null => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
    } catch {
      return null;
    }
  };
  const seenGroups = new Set<number>();
  const recordGroups = () => {
    try {
      const ledger = JSON.parse(readFileSync(join(agentDir, 'pgids.json'), 'utf8')) as {
        groups: { pgid: number }[];
      };
      for (const g of ledger.groups) seenGroups.add(g.pgid);
    } catch {
      // not written yet
    }
  };

  let serve: ChildProcess | undefined;
  async function startServe(): Promise<void> {
    serve = spawnCli(['serve']);
    // with --keep, the control plane's log stays beside the store
    if (options.keep) serve.stdout?.pipe(createWriteStream(join(dir, 'serve.log'), { flags: 'a' }));
    else serve.stdout?.resume();
    const info = join(dataDir, 'server.json');
    for (let i = 0; i < 600; i++) {
      if (existsSync(info) && pidIn(info) === serve.pid) return;
      await sleep(25);
    }
    throw new Error(`runway serve did not start in ${dir}`);
  }

  /** Starts a runner; resolves `resumed` when a resume prints run.resumed. */
  function runner(args: string[]): { child: ChildProcess; runId: Promise<number>; resumed: Promise<void> } {
    const child = spawnCli([...args, '--json']);
    let buffer = '';
    let gotId: (id: number) => void = () => undefined;
    let gotResumed: () => void = () => undefined;
    const runId = new Promise<number>((done) => (gotId = done));
    const resumed = new Promise<void>((done) => (gotResumed = done));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const id = /"runId":(\d+)/.exec(line)?.[1];
        if (id) gotId(Number(id));
        if (line.includes('"type":"run.resumed"')) gotResumed();
      }
    });
    return { child, runId, resumed };
  }

  const kills: Record<Victim, number> = { runner: 0, 'control plane': 0, agent: 0 };
  const resumeMs: Record<Victim, number[]> = { runner: [], 'control plane': [], agent: [] };
  let done = 0;
  let resumes = 0;
  let rollouts = 0;
  let notSucceeded = 0;
  let duplicates = 0;
  let wrongVersion = 0;
  let advisedReruns = 0;
  let endedBeforeResume = 0;
  const failures: string[] = [];
  const advisedToRunAgain = (runId: number): boolean => {
    const d = db();
    const row = d
      .prepare(`SELECT reason FROM steps WHERE run_id = ? AND status = 'failed' AND reason LIKE ?`)
      .get(runId, '%then run the pipeline again%');
    d.close();
    return row !== undefined;
  };

  try {
    await startServe();
    // the first release goes straight to production: no canary to kill
    writeFileSync(join(dir, 'runway.yaml'), pipeline('v0', port));
    if ((await exited(runner(['run']).child)) !== 0) throw new Error(`the first release failed in ${dir}`);

    for (let k = 1; done < options.kills; k++) {
      const version = `v${k}`;
      writeFileSync(join(dir, 'runway.yaml'), pipeline(version, port));
      rollouts++;
      let current = runner(['run', '--trigger', 'bench']);
      let runId = await Promise.race([current.runId, exited(current.child).then(() => 0)]);
      let finished: number | null | undefined;
      let last = current.child;
      while (finished === undefined) {
        const wait = Math.floor(random() * maxDelay);
        const ended = await Promise.race([exited(current.child), sleep(wait).then(() => undefined)]);
        if (ended !== undefined || done >= options.kills) {
          finished = await exited(current.child);
          break;
        }
        // kill -9 one part, then bring it back the way an operator (or the watchdog) would
        const victim = VICTIMS[Math.floor(random() * VICTIMS.length)]!;
        kills[victim]++;
        done++;
        recordGroups();
        const t0 = performance.now();
        if (victim === 'runner') {
          current.child.kill('SIGKILL');
          await exited(current.child);
          current = runner(['resume', String(runId)]);
          last = current.child;
          resumes++;
          const r = await Promise.race([
            current.resumed.then(() => true),
            exited(current.child).then(() => false),
          ]);
          if (r) resumeMs.runner.push(performance.now() - t0);
        } else if (victim === 'control plane') {
          serve?.kill('SIGKILL');
          if (serve) await exited(serve);
          await startServe();
          resumeMs['control plane'].push(performance.now() - t0);
        } else {
          const pid = pidIn(join(agentDir, 'agent.json'));
          if (pid !== null && alive(pid)) process.kill(pid, 'SIGKILL');
          for (let i = 0; i < 800; i++) {
            const now = pidIn(join(agentDir, 'agent.json'));
            if (now !== null && now !== pid && alive(now) && /^v\d+$/.test(await get(port))) break;
            await sleep(25);
          }
          resumeMs.agent.push(performance.now() - t0);
        }
      }
      recordGroups();

      // a control plane found down when the step began fails the run with advice to start it and run
      // the pipeline again (documented); follow the advice, as a user would
      for (let again = 0; finished !== 0 && again < 3 && advisedToRunAgain(runId); again++) {
        advisedReruns++;
        const next = runner(['run', '--trigger', 'bench']);
        runId = await Promise.race([next.runId, exited(next.child).then(() => 0)]);
        finished = await exited(next.child);
        last = next.child;
      }

      // check: the run succeeded, one rollout of this version, each of its instances started once
      // the runner killed after the run's last write: the resume finds it ended and refuses (exit 2);
      // the run's stored outcome is what counts
      if (finished !== 0 && runStatus(runId) === 'succeeded') {
        endedBeforeResume++;
        finished = 0;
      }
      if (finished !== 0) {
        notSucceeded++;
        const d = db();
        const row = d
          .prepare(`SELECT step_id, reason FROM steps WHERE run_id = ? AND status = 'failed'`)
          .get(runId) as { step_id: string; reason: string } | undefined;
        d.close();
        failures.push(
          `${version}: run ${runId} (${runStatus(runId)}) exited ${finished}: ${row ? `${row.step_id}: ${row.reason}` : `no failed step recorded; ${(stderrOf.get(last) ?? '').trim().split('\n').at(-1) ?? ''}`}`,
        );
      }
      const d = db();
      const rows = d
        .prepare(`SELECT record_json FROM rollouts WHERE service = 'web' AND environment = 'production'`)
        .all() as { record_json: string }[];
      d.close();
      const ofVersion = rows.filter((r) => r.record_json.includes(`"version":"${version}"`)).length;
      duplicates += Math.max(0, ofVersion - 1);
      for (const index of [0, 1]) {
        const log = join(agentDir, 'logs', 'web', 'production', `${version}-${index}.log`);
        const starts = existsSync(log)
          ? (readFileSync(log, 'utf8').match(/\[runway\] starting/g)?.length ?? 0)
          : 0;
        duplicates += Math.max(0, starts - 1);
      }
      // an agent started again just now may take a moment to listen: wait for an answer, then judge
      let served = await get(port);
      for (let i = 0; i < 200 && !/^v\d+$/.test(served); i++) {
        await sleep(25);
        served = await get(port);
      }
      if (served !== version) {
        wrongVersion++;
        // how long until it does, if ever: tells a late route from a lost one
        const t = performance.now();
        let later = served;
        for (let i = 0; i < 100 && later !== version; i++) {
          await sleep(100);
          later = await get(port);
        }
        const after = ((performance.now() - t) / 1000).toFixed(1);
        failures.push(
          `${version}: run ${runId} succeeded while production served ${served}; ${later === version ? `${version} after ${after} s` : `still ${later} after ${after} s`}`,
        );
      }
    }
  } finally {
    // stop everything, then look for instance processes left behind
    const stop = spawnCli(['serve', 'stop']);
    await exited(stop);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    recordGroups();
    const agentPid = pidIn(join(agentDir, 'agent.json'));
    if (agentPid !== null && alive(agentPid)) process.kill(agentPid, 'SIGTERM');
    for (let i = 0; i < 200 && [...seenGroups].some(groupAlive); i++) await sleep(50);
  }
  const orphans = [...seenGroups].filter(groupAlive);
  for (const pgid of orphans) process.kill(-pgid, 'SIGKILL');
  if (!options.keep) rmSync(dir, { recursive: true, force: true });
  return {
    rollouts,
    notSucceeded,
    kills,
    resumes,
    advisedReruns,
    endedBeforeResume,
    failures,
    duplicates,
    wrongVersion,
    orphans: orphans.length,
    resumeMs,
  };
}
