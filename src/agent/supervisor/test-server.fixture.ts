import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { InstanceSpecInput } from './instance-spec.ts';
import type { InstanceEvent, InstanceEventType } from './instance-status.ts';
import { procStat } from './process-table.ts';

/**
 * A tiny HTTP service for real-process tests. MODE: ok | crash (exit 3 after AFTER_MS) |
 * unhealthy (503 after AFTER_MS) | never-ready (always 503) | ignore-term | fork (a child that ignores SIGTERM).
 * GET /health answers `{ pid, child, env }` with the names of its environment variables.
 */
const SERVER = `
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
const mode = process.env.MODE ?? 'ok';
const afterMs = Number(process.env.AFTER_MS ?? '0');
let healthy = mode !== 'never-ready';
const child = mode === 'fork' ? spawn('bash', ['-c', "trap '' TERM; sleep 1000"], { stdio: 'ignore' }) : null;
if (process.env.SECRET) console.log('the secret is ' + process.env.SECRET);
const server = createServer((req, res) => {
  if (req.url !== '/health') return res.end('hello');
  res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ pid: process.pid, child: child?.pid ?? null, env: Object.keys(process.env).sort() }));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening pid=' + process.pid));
if (mode === 'crash') setTimeout(() => { console.error('crashing'); process.exit(3); }, afterMs);
if (mode === 'unhealthy') setTimeout(() => { healthy = false; }, afterMs);
process.on('SIGTERM', () => {
  if (mode === 'ignore-term') return console.log('ignoring SIGTERM');
  console.log('got SIGTERM');
  process.exit(0);
});
`;

/** A temp dir holding server.mjs; `cleanup` removes it. */
export function serverDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'runway-supervisor-'));
  writeFileSync(join(dir, 'server.mjs'), SERVER);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A spec for the test server with fast probes and backoff; `over` replaces any field. */
export function serverSpec(
  dir: string,
  port: number,
  mode: string,
  over: Partial<InstanceSpecInput> = {},
): InstanceSpecInput {
  return {
    service: 'checkout-api',
    release: { version: '1.0.0' },
    command: 'node server.mjs',
    cwd: dir,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, MODE: mode },
    port,
    healthPath: '/health',
    logPath: join(dir, `${mode}-${port}.log`),
    readiness: { intervalMs: 25, timeoutMs: 5000, successThreshold: 1 },
    liveness: { intervalMs: 40, failureThreshold: 3 },
    stopGraceMs: 1000,
    probeTimeoutMs: 500,
    restart: { initialDelayMs: 40, multiplier: 2, maxDelayMs: 1000, resetAfterMs: 60_000 },
    ...over,
  };
}

/** Collects events and waits for the ones a test expects. */
export class EventLog {
  readonly events: InstanceEvent[] = [];
  readonly #waiters: { match: (e: InstanceEvent) => boolean; resolve: (e: InstanceEvent) => void }[] = [];

  readonly sink = (event: InstanceEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.match(event)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  /** The types seen so far, optionally of one key. */
  types(key?: string): InstanceEventType[] {
    return this.events.filter((e) => key === undefined || e.key === key).map((e) => e.type);
  }

  /** The `n`th (1-based) event of a type and key, waiting up to `timeoutMs` for it. */
  nth<T extends InstanceEventType>(
    type: T,
    n = 1,
    key?: string,
    timeoutMs = 5000,
  ): Promise<Extract<InstanceEvent, { type: T }>> {
    const match = (e: InstanceEvent) => e.type === type && (key === undefined || e.key === key);
    const seen = this.events.filter(match);
    if (seen.length >= n) return Promise.resolve(seen[n - 1] as Extract<InstanceEvent, { type: T }>);
    let count = seen.length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} #${n} within ${timeoutMs}ms: ${this.types()}`)),
        timeoutMs,
      );
      this.#waiters.push({
        match: (e) => match(e) && ++count === n,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as Extract<InstanceEvent, { type: T }>);
        },
      });
    });
  }
}

/** Whether a process is gone; a zombie counts as gone, since PID 1 here may never reap it. */
export function gone(pid: number): boolean {
  const stat = procStat(pid);
  return stat === null || stat.state === 'Z';
}

/** The JSON the test server answers on /health. */
export async function health(port: number): Promise<{ pid: number; child: number | null; env: string[] }> {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  return (await res.json()) as { pid: number; child: number | null; env: string[] };
}
