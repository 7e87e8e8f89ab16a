/**
 * Three rollouts through a real `runway serve` under a constant load, in one run, counting what the
 * load saw: a canary that completes, one aborted by hand while paused at 50 %, and one whose new
 * version answers 30 % injected errors and is rolled back by its analysis.
 *
 *   node bench/rollout-under-load.ts [--rate 200] [--duration 60] [--concurrency 64] [--keep]
 *
 * Everything runs on 127.0.0.1: a control plane (`runway serve` on a temporary store, which starts its
 * data-plane agent), two replicas per version of a tiny node backend written into the temporary
 * directory, and an open-loop keep-alive load generator in this process. It prints the abort and
 * rollback times and a table of what the load saw; it exits 1 if any request failed because of the
 * router (any answer other than 200 that is not an injected fault, or a connection error) or if a
 * rollout did not end as expected, 130 when interrupted. It always stops what it started and removes
 * the temporary directory (unless --keep).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { RolloutRecord } from '../src/deploy/records.ts';
import type { RolloutRequest } from '../src/deploy/rollout-request.ts';
import { ServerClient } from '../src/server/client.ts';
import { intFlag } from './flags.ts';

const RUNWAY = join(import.meta.dirname, '..', 'bin', 'runway.js');
const SERVICE = 'bench';
const ENVIRONMENT = 'load';
const REPLICAS = 2;
const SCALE_DOWN_DELAY_MS = 2000;
const FAULT = { errorRatio: 0.3 };
const AIM_ABORT_MS = 1000;
/** How long after the abort the load is watched for canary answers before the phase is judged. */
const ABORT_WATCH_MS = 1500;
const VERSION_HEADER = 'x-runway-version';
const BY = 'bench/rollout-under-load';

/** The service under test: answers GET / with its version and /health with ok; drains on SIGTERM. */
const BACKEND = `// written by bench/rollout-under-load.ts
import { createServer } from 'node:http';
const version = process.env.RELEASE_VERSION ?? 'unknown';
const server = createServer((req, res) => {
  const text = req.url === '/health' ? 'ok\\n' : 'hello from ' + version + '\\n';
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
  res.end(text);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
`;

/** The step analysis of phase C: the canary's error rate from the router's own counts. */
const ANALYSIS = {
  'error-rate': {
    metrics: [
      {
        name: 'error-rate',
        interval: '1s',
        count: 3,
        successCondition: 'result < 0.05',
        provider: { builtin: { metric: 'error-rate', window: '2s' } },
      },
    ],
  },
};

interface Options {
  rate: number;
  duration: number;
  concurrency: number;
  keep: boolean;
}

/** Epoch milliseconds with sub-millisecond precision, comparable with the control plane's clock. */
const now = () => performance.timeOrigin + performance.now();

// --- the load generator ---

/** One answer the load generator read to the end. */
interface Reply {
  sent: number;
  done: number;
  status: number;
  /** The X-Runway-Version header, or '-' when absent. */
  version: string;
  /** A 500 with the router's `{"error":"injected fault"}` body. */
  injected: boolean;
}

/** A request that got no complete answer: refused, reset, cut mid-body or timed out. */
interface Failure {
  sent: number;
  at: number;
  code: string;
}

/**
 * An open-loop load: `rate` requests per second on a fixed schedule whatever the answers take, over a
 * keep-alive agent, with at most `concurrency` in flight (a request due while that many are
 * outstanding is counted as not sent rather than queued).
 */
class LoadGenerator {
  readonly replies: Reply[] = [];
  readonly failures: Failure[] = [];
  scheduled = 0;
  notSent = 0;
  startedAt = 0;
  stoppedAt = 0;
  readonly #port: number;
  readonly #rate: number;
  readonly #concurrency: number;
  readonly #agent: Agent;
  #inflight = 0;
  #timer: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;

  constructor(port: number, rate: number, concurrency: number) {
    this.#port = port;
    this.#rate = rate;
    this.#concurrency = concurrency;
    this.#agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  start(): void {
    this.startedAt = now();
    const tickMs = Math.max(1, Math.min(5, Math.floor(1000 / this.#rate)));
    this.#timer = setInterval(() => {
      const due = Math.floor(((now() - this.startedAt) / 1000) * this.#rate);
      while (this.scheduled < due) {
        this.scheduled++;
        if (this.#inflight >= this.#concurrency) this.notSent++;
        else this.#fire();
      }
    }, tickMs);
  }

  /** Stops sending and waits (up to 6 s) for the answers still outstanding. */
  async stop(): Promise<void> {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.stoppedAt = now();
    if (this.#inflight > 0) {
      const drained = new Promise<void>((resolve) => (this.#drained = resolve));
      await Promise.race([drained, sleep(6000)]);
    }
    this.#agent.destroy();
  }

  #fire(): void {
    const sent = now();
    this.#inflight++;
    let settled = false;
    const settle = (record: () => void) => {
      if (settled) return;
      settled = true;
      record();
      if (--this.#inflight === 0) this.#drained?.();
    };
    const fail = (err: NodeJS.ErrnoException) =>
      settle(() => this.failures.push({ sent, at: now(), code: err.code ?? err.message }));
    const req = request(
      { host: '127.0.0.1', port: this.#port, path: '/', agent: this.#agent, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const header = res.headers[VERSION_HEADER];
          settle(() =>
            this.replies.push({
              sent,
              done: now(),
              status,
              version: typeof header === 'string' ? header : '-',
              injected: status === 500 && isInjectedFault(Buffer.concat(chunks).toString('utf8')),
            }),
          );
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', fail);
    req.end();
  }
}

function isInjectedFault(body: string): boolean {
  try {
    return (JSON.parse(body) as { error?: unknown }).error === 'injected fault';
  } catch {
    return false;
  }
}

// --- the control plane ---

interface Serve {
  readonly proc: ChildProcess;
  readonly client: ServerClient;
  readonly log: string;
}

/** Starts `runway serve` on the store (its output goes to `log`). */
function spawnServe(dir: string, store: string, log: string): ChildProcess {
  const out = openSync(log, 'a');
  const proc = spawn(process.execPath, [RUNWAY, 'serve', '--store', store], {
    cwd: dir,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  return proc;
}

/** Waits until the `runway serve` started as `proc` writes server.json and its API answers. */
async function connectServe(
  proc: ChildProcess,
  dir: string,
  log: string,
  signal: AbortSignal,
): Promise<Serve> {
  const dataDir = join(dir, 'runway');
  const deadline = now() + 20_000;
  while (now() < deadline) {
    signal.throwIfAborted();
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`runway serve exited at start:\n${tail(log)}`);
    const info = readJson<{ url: string; pid: number }>(join(dataDir, 'server.json'));
    if (info && info.pid === proc.pid) {
      const token = readFileSync(join(dataDir, 'server.token'), 'utf8').trim();
      const client = new ServerClient({ url: info.url, token, timeoutMs: 15_000 });
      if (await client.health().catch(() => undefined)) return { proc, client, log };
    }
    await sleep(50, undefined, { signal });
  }
  throw new Error(`runway serve did not answer within 20 s:\n${tail(log)}`);
}

/** `runway serve stop` (the control plane, its agent and every instance), then makes sure. */
async function stopServe(store: string, serve: ChildProcess | undefined): Promise<string> {
  const stop = spawn(process.execPath, [RUNWAY, 'serve', 'stop', '--store', store], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  stop.stdout.on('data', (d: Buffer) => (output += d.toString()));
  stop.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(stop, 'exit');
  const timer = setTimeout(() => stop.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  if (serve && serve.exitCode === null && serve.signalCode === null) {
    const gone = once(serve, 'exit');
    serve.kill('SIGTERM');
    const killer = setTimeout(() => serve.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(killer);
  }
  return output.trim();
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function tail(path: string, lines = 15): string {
  if (!existsSync(path)) return `(no ${path})`;
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** A free port on 127.0.0.1 below Linux's ephemeral range, for the environment's router. */
async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found in 20000..31999');
}

// --- rollouts ---

function rolloutRequest(
  dir: string,
  port: number,
  version: string,
  strategy?: unknown,
  analysis?: Record<string, unknown>,
): RolloutRequest {
  return {
    service: SERVICE,
    environment: ENVIRONMENT,
    port,
    release: {
      version,
      command: 'node backend.mjs',
      cwd: dir,
      // the instances run the Node that runs this script
      env: {
        PATH: [dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter),
        RELEASE_VERSION: version,
      },
      replicas: REPLICAS,
      health: '/health',
      readinessTimeoutMs: 10_000,
    },
    ...(strategy === undefined ? {} : { strategy }),
    ...(analysis === undefined ? {} : { analysis }),
    by: BY,
  };
}

/** Polls a rollout every 50 ms until `done` holds; throws after `timeoutMs`, naming `what`. */
async function waitFor(
  client: ServerClient,
  id: string,
  done: (r: RolloutRecord) => boolean,
  what: string,
  timeoutMs: number,
  signal: AbortSignal,
  watch?: (analysis: Record<string, unknown>) => void,
): Promise<RolloutRecord> {
  const deadline = now() + timeoutMs;
  let r: RolloutRecord | undefined;
  while (now() < deadline) {
    const answer = await client.rollout(id);
    r = answer.rollout;
    watch?.(answer.analysis);
    if (done(r)) return r;
    await sleep(50, undefined, { signal });
  }
  const last = r?.state.history.slice(-3).map((h) => `${h.event}: ${h.detail}`) ?? [];
  throw new Error(
    `rollout ${id}: not ${what} after ${(timeoutMs / 1000).toFixed(0)} s (phase ${r?.state.phase}; ${last.join('; ')})`,
  );
}

const terminal = (r: RolloutRecord) => ['completed', 'aborted', 'rolled-back'].includes(r.state.phase);

/** When the history first records `event` (and `detail` matches), in epoch ms. */
function historyAt(r: RolloutRecord, event: string, detail?: RegExp): number | undefined {
  const h = r.state.history.find((e) => e.event === event && (!detail || detail.test(e.detail)));
  return h ? Date.parse(h.at) : undefined;
}

interface Phase {
  name: string;
  from: string;
  to: string;
  expected: string[];
  outcome: string;
  startedAt: number;
  endedAt: number;
  lines: string[];
}

/** The part of an analysis run's explanation (GET /v1/rollouts/:id) this script reads. */
interface AnalysisView {
  startedAt?: string;
  nextAt?: string;
  metrics?: { phase: string; message?: string; counts: { measured: number; error: number } }[];
}

const phaseOk = (p: Phase) => p.expected.includes(p.outcome);

/** Counts of the replies finished in [from, to), by version. */
function versionsBetween(load: LoadGenerator, from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of load.replies)
    if (r.done >= from && r.done < to) out.set(r.version, (out.get(r.version) ?? 0) + 1);
  return out;
}

/** Answers other than 200 that are not injected faults, and connection errors, in [from, to). */
function routerFailuresBetween(load: LoadGenerator, from: number, to: number): number {
  const bad = load.replies.filter((r) => r.done >= from && r.done < to && r.status !== 200 && !r.injected);
  return bad.length + load.failures.filter((f) => f.at >= from && f.at < to).length;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

// --- the run ---

function options(): Options {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '200' },
      duration: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '64' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      'usage: node bench/rollout-under-load.ts [--rate 200] [--duration 60] [--concurrency 64] [--keep]',
    );
    process.exit(0);
  }
  return {
    rate: intFlag('rate', values.rate, 1, 5000),
    duration: intFlag('duration', values.duration, 10, 3600),
    concurrency: intFlag('concurrency', values.concurrency, 1, 4096),
    keep: values.keep,
  };
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) {
    console.log(
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
        .join('  ')
        .trimEnd(),
    );
  }
}

async function main(o: Options, signal: AbortSignal): Promise<number> {
  // pauses that spread the three phases over the duration: they take about 4 pauses + 19 s (phase C
  // about 13 s: the builtin provider's first measurement is an error, retried after 10 s)
  const pauseMs = Math.min(8000, Math.max(1000, Math.round((o.duration * 1000 - 19_000) / 4 / 100) * 100));
  const dir = mkdtempSync(join(tmpdir(), 'runway-bench-rollout-'));
  const store = join(dir, 'runway.db');
  writeFileSync(join(dir, 'backend.mjs'), BACKEND);
  const [l1, l5, l15] = loadavg().map((x) => x.toFixed(2));
  console.log(
    `rollout-under-load: node ${process.version}, ${availableParallelism()} CPUs, load ${l1} ${l5} ${l15}; ` +
      `open-loop ${o.rate} req/s for ${o.duration}s (≤ ${o.concurrency} in flight, keep-alive); ` +
      `${REPLICAS} replicas per version, pauses ${pauseMs / 1000}s, scale-down delay ${SCALE_DOWN_DELAY_MS / 1000}s`,
  );
  const serveLog = join(dir, 'serve.log');
  let serveProc: ChildProcess | undefined;
  let load: LoadGenerator | undefined;
  const phases: Phase[] = [];
  let abortFigures: { api: number; recorded: number | undefined; seen: number; lateSent: number } | undefined;
  let rollbackFigures: { reason: string; recorded: number | undefined; seen: number | undefined } | undefined;
  let error: unknown;
  try {
    serveProc = spawnServe(dir, store, serveLog);
    const { client } = await connectServe(serveProc, dir, serveLog, signal);
    const port = await freePort();
    const t0 = now();
    const v1 = await client.createRollout(rolloutRequest(dir, port, 'v1'));
    const base = await waitFor(client, v1.rollout.id, terminal, 'finished', 30_000, signal);
    if (base.state.phase !== 'completed') throw new Error(`baseline v1 ended ${base.state.phase}`);
    console.log(`baseline v1 (${REPLICAS} replicas) serving on 127.0.0.1:${port} after ${ms(now() - t0)}`);

    load = new LoadGenerator(port, o.rate, o.concurrency);
    load.start();
    const loadEnds = load.startedAt + o.duration * 1000;
    await sleep(1000, undefined, { signal });

    // A: a full canary that completes
    {
      const startedAt = now();
      const strategy = {
        canary: {
          steps: [
            { setWeight: 100 },
            { pause: { durationMs: pauseMs } },
            { setWeight: 500 },
            { pause: { durationMs: pauseMs } },
          ],
          scaleDownDelayMs: SCALE_DOWN_DELAY_MS,
        },
      };
      const { rollout } = await client.createRollout(rolloutRequest(dir, port, 'v2', strategy));
      const r = await waitFor(client, rollout.id, terminal, 'finished', 4 * pauseMs + 30_000, signal);
      const endedAt = now();
      const created = Date.parse(r.state.startedAt);
      phases.push({
        name: 'A canary 10% → 50% → 100%',
        from: 'v1',
        to: 'v2',
        expected: ['completed'],
        outcome: r.state.phase,
        startedAt,
        endedAt,
        lines: [`${r.state.phase} in ${ms((Date.parse(r.state.finishedAt ?? '') || endedAt) - created)}`],
      });
    }

    // B: a canary paused at 50 %, then aborted by hand
    {
      await sleep(500, undefined, { signal });
      const startedAt = now();
      const strategy = {
        canary: {
          steps: [{ setWeight: 100 }, { pause: { durationMs: pauseMs } }, { setWeight: 500 }, { pause: {} }],
          scaleDownDelayMs: SCALE_DOWN_DELAY_MS,
        },
      };
      const { rollout } = await client.createRollout(rolloutRequest(dir, port, 'v3', strategy));
      const held = await waitFor(
        client,
        rollout.id,
        (r) => terminal(r) || (r.state.phase === 'paused' && r.state.weight === 500),
        'paused at 50%',
        pauseMs + 30_000,
        signal,
      );
      const lines: string[] = [];
      let outcome = held.state.phase;
      if (!terminal(held)) {
        const heldAt = now();
        await sleep(pauseMs, undefined, { signal });
        const seen = versionsBetween(load, heldAt, now());
        const total = [...seen.values()].reduce((a, b) => a + b, 0);
        const site = (await client.environment(SERVICE, ENVIRONMENT)).site;
        lines.push(
          `paused at 50%: router weights ${JSON.stringify(site?.weights ?? {})}, ` +
            `v3 share seen ${total ? (((seen.get('v3') ?? 0) / total) * 100).toFixed(1) : '-'} % of ${total}`,
        );
        const sentAt = now();
        const answer = await client.command(SERVICE, ENVIRONMENT, 'abort', BY);
        const returnedAt = now();
        outcome = answer.rollout.state.phase;
        await sleep(ABORT_WATCH_MS, undefined, { signal });
        const canary = load.replies.filter((x) => x.version === 'v3');
        const lastDone = canary.reduce((a, x) => Math.max(a, x.done), -Infinity);
        const lateSent = canary.filter((x) => x.sent > returnedAt).length;
        const recorded = historyAt(answer.rollout, 'weight-set', /^0% /);
        abortFigures = {
          api: returnedAt - sentAt,
          recorded: recorded && recorded - sentAt,
          seen: lastDone - sentAt,
          lateSent,
        };
        const after = (await client.environment(SERVICE, ENVIRONMENT)).site;
        lines.push(`after abort: router weights ${JSON.stringify(after?.weights ?? {})}`);
      }
      phases.push({
        name: 'B canary paused at 50%, abort',
        from: 'v2',
        to: 'v3',
        expected: ['rolled-back', 'aborted'],
        outcome,
        startedAt,
        endedAt: now(),
        lines,
      });
    }

    // C: a faulty canary rolled back by its step analysis
    {
      await sleep(500, undefined, { signal });
      const startedAt = now();
      const stable = (await client.environment(SERVICE, ENVIRONMENT)).environment.stable?.version ?? '?';
      await client.setFaults(SERVICE, ENVIRONMENT, 'v4', FAULT);
      const strategy = {
        canary: {
          steps: [
            { setWeight: 200 },
            { analysis: { templates: ['error-rate'] } },
            { setWeight: 500 },
            { pause: { durationMs: pauseMs } },
          ],
          scaleDownDelayMs: SCALE_DOWN_DELAY_MS,
        },
      };
      const { rollout } = await client.createRollout(rolloutRequest(dir, port, 'v4', strategy, ANALYSIS));
      // the analysis as the control plane explains it while it runs: when each measurement is due
      const schedule: string[] = [];
      const watch = (analysis: Record<string, unknown>) => {
        for (const run of Object.values(analysis) as AnalysisView[]) {
          const m = run.metrics?.[0];
          if (!run.startedAt || !run.nextAt || !m) continue;
          const line =
            `after ${m.counts.measured} measurement(s) and ${m.counts.error} error(s) ` +
            `(${m.message ?? m.phase}), the next is due ` +
            `${((Date.parse(run.nextAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s after the run started`;
          if (schedule.at(-1) !== line) schedule.push(line);
        }
      };
      const r = await waitFor(client, rollout.id, terminal, 'finished', 2 * pauseMs + 30_000, signal, watch);
      const endedAt = now();
      await sleep(ABORT_WATCH_MS, undefined, { signal });
      const traffic = historyAt(r, 'weight-set', /^[1-9]/);
      const back = historyAt(r, 'rolled-back');
      const canary = load.replies.filter((x) => x.version === 'v4');
      const report = Object.values(r.reports ?? {}).find((x) => x.phase !== 'successful');
      const why = report?.lines.find((l) => /fail|error/i.test(l)) ?? report?.message;
      rollbackFigures = {
        reason: `${r.state.abortReason ?? 'no reason recorded'}${why ? ` (${why})` : ''}`,
        recorded: traffic !== undefined && back !== undefined ? back - traffic : undefined,
        seen:
          canary.length > 0
            ? Math.max(...canary.map((x) => x.done)) - Math.min(...canary.map((x) => x.done))
            : undefined,
      };
      const injected = canary.filter((x) => x.injected).length;
      phases.push({
        name: 'C faulty canary, step analysis',
        from: stable,
        to: 'v4',
        expected: ['rolled-back'],
        outcome: r.state.phase,
        startedAt,
        endedAt,
        lines: [
          `v4 fault ${JSON.stringify(FAULT)}: ${injected} of ${canary.length} v4 answers were injected faults`,
          ...schedule.map((l) => `analysis: ${l}`),
        ],
      });
      await client.setFaults(SERVICE, ENVIRONMENT, 'v4', null);
    }

    const left = loadEnds - now();
    if (left > 0) await sleep(left, undefined, { signal });
    else console.log(`(the phases took ${ms(-left)} longer than --duration; the load ran until they ended)`);
    await load.stop();
  } catch (err) {
    error = err;
  } finally {
    await load?.stop();
  }

  // --- report ---
  if (phases.length > 0 && load) {
    console.log('');
    const rows = [
      ['phase', 'versions', 'outcome', 'expected', 'seconds', 'router failures', 'answers by version'],
    ];
    for (const p of phases) {
      const seen = [...versionsBetween(load, p.startedAt, p.endedAt)]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([v, n]) => `${v} ${n}`)
        .join(', ');
      rows.push([
        p.name,
        `${p.from} → ${p.to}`,
        p.outcome,
        p.expected.join('|'),
        ((p.endedAt - p.startedAt) / 1000).toFixed(1),
        String(routerFailuresBetween(load, p.startedAt, p.endedAt)),
        seen,
      ]);
    }
    printTable(rows);
    for (const p of phases) for (const l of p.lines) console.log(`  ${p.name.slice(0, 1)}: ${l}`);
  }
  if (abortFigures) {
    console.log('');
    console.log(
      `abort → all traffic on stable, API round trip:      ${ms(abortFigures.api)} (aim < ${AIM_ABORT_MS} ms)`,
    );
    if (abortFigures.recorded !== undefined)
      console.log(`abort → weight 0 recorded by the controller:        ${ms(abortFigures.recorded)}`);
    console.log(
      `abort → last canary answer seen by the load:        ${ms(Math.max(0, abortFigures.seen))} (aim < ${AIM_ABORT_MS} ms)` +
        (abortFigures.seen <= 0
          ? `: the last canary answer arrived ${ms(-abortFigures.seen)} before the abort was sent`
          : ''),
    );
    console.log(`canary answers to requests sent after abort returned: ${abortFigures.lateSent} (aim 0)`);
  }
  if (rollbackFigures) {
    console.log('');
    console.log(`automatic rollback reason: ${rollbackFigures.reason}`);
    if (rollbackFigures.recorded !== undefined)
      console.log(`canary traffic → rollback, recorded by the controller: ${ms(rollbackFigures.recorded)}`);
    if (rollbackFigures.seen !== undefined)
      console.log(`first → last canary answer seen by the load:           ${ms(rollbackFigures.seen)}`);
  }

  let routerFailures = 0;
  if (load && load.startedAt > 0) {
    const { replies, failures } = load;
    const latencies = replies.map((r) => r.done - r.sent).sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    const byCode = new Map<string, number>();
    for (const r of replies) {
      const key = r.injected ? `${r.status} injected fault` : String(r.status);
      byCode.set(key, (byCode.get(key) ?? 0) + 1);
    }
    const byError = new Map<string, number>();
    for (const f of failures) byError.set(f.code, (byError.get(f.code) ?? 0) + 1);
    const byVersion = new Map<string, number>();
    for (const r of replies) byVersion.set(r.version, (byVersion.get(r.version) ?? 0) + 1);
    const unexpected = replies.filter((r) => r.status !== 200 && !r.injected);
    const seconds = ((load.stoppedAt || now()) - load.startedAt) / 1000;
    const sent = load.scheduled - load.notSent;
    const unanswered = sent - replies.length - failures.length;
    routerFailures = unexpected.length + failures.length + unanswered;
    console.log('');
    const rows: string[][] = [['load', 'count']];
    rows.push(['requests sent', String(sent)]);
    rows.push(['requests not sent (all in flight)', String(load.notSent)]);
    rows.push(['achieved rate req/s', (sent / seconds).toFixed(1)]);
    for (const [code, n] of [...byCode].sort(([a], [b]) => (a < b ? -1 : 1)))
      rows.push([`answers ${code}`, String(n)]);
    for (const [v, n] of [...byVersion].sort(([a], [b]) => (a < b ? -1 : 1)))
      rows.push([`answers from ${v}`, String(n)]);
    rows.push(['connection errors', String(failures.length)]);
    for (const [code, n] of byError) rows.push([`  ${code}`, String(n)]);
    if (unanswered > 0) rows.push(['no answer when the load stopped', String(unanswered)]);
    rows.push(['p50 latency ms', at(0.5).toFixed(2)]);
    rows.push(['p99 latency ms', at(0.99).toFixed(2)]);
    rows.push(['max latency ms', (latencies.at(-1) ?? NaN).toFixed(2)]);
    rows.push(['router-caused failures (aim 0)', String(routerFailures)]);
    printTable(rows);
    if (routerFailures > 0) {
      const first = [
        ...unexpected.map((r) => ({ at: r.done, what: `${r.status} from ${r.version}` })),
        ...failures.map((f) => ({ at: f.at, what: f.code })),
      ]
        .sort((a, b) => a.at - b.at)
        .slice(0, 10);
      console.error('router-caused failures (first 10, seconds into the load):');
      for (const f of first) console.error(`  ${((f.at - load.startedAt) / 1000).toFixed(3)} s  ${f.what}`);
    }
  }

  const badPhases = phases.filter((p) => !phaseOk(p));
  if (error) {
    const interrupted = signal.aborted;
    const why = interrupted ? (signal.reason as Error) : (error as Error);
    console.error(`\n${interrupted ? 'interrupted' : 'failed'}: ${why.message}`);
    if (!interrupted) console.error(`runway serve log (last lines):\n${tail(serveLog)}`);
  }
  for (const p of badPhases)
    console.error(`phase ${p.name}: ended ${p.outcome}, expected ${p.expected.join(' or ')}`);

  const stopped = await stopServe(store, serveProc);
  if (o.keep) console.log(`\nkept ${dir} (${stopped || 'serve stopped'})`);
  else rmSync(dir, { recursive: true, force: true });

  if (signal.aborted) return 130;
  return error || badPhases.length > 0 || phases.length < 3 || routerFailures > 0 ? 1 : 0;
}

const stopper = new AbortController();
let signals = 0;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    if (++signals > 2) process.exit(130);
    if (signals === 1) console.error(`\n${name}: stopping the load, the control plane and the agent…`);
    stopper.abort(new Error(`interrupted by ${name}`));
  });
}
process.exit(await main(options(), stopper.signal));
