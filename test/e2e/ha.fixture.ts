/*
 * Several `runway serve` processes on one real PostgreSQL, driving rollouts on one data-plane
 * agent; shared by test/e2e/ha-*.test.ts and bench/ha-takeover.ts. Checks use the agent's own log
 * (every weight change and instance start it carried out) and the store, never the control planes'
 * word.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { stopAgent } from '../../src/agent/launch.ts';
import { project, spawnRunway } from './helpers.ts';

/** A test app: answers its version; started with MODE=sick, `/health` fails after its first 3 s. */
export const HA_APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
const born = Date.now();
http.createServer((req, res) => {
  if (req.url === '/health') {
    res.statusCode = process.env.MODE === 'sick' && Date.now() - born > 3000 ? 500 : 200;
    return res.end('h');
  }
  res.end(version);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** One `runway serve` process. */
export interface Instance {
  child: ChildProcess;
  pid: number;
  url: string;
  output: () => string;
}

/** A project directory whose control planes share `storeUrl`. */
export function haProject(): string {
  return project('version: 1\nstages: { noop: { steps: [ { run: "true" } ] } }\n', { 'server.js': HA_APP });
}

/** Starts `runway serve` on the shared store; resolves once it listens. */
export async function startInstance(cwd: string, storeUrl: string): Promise<Instance> {
  const child = spawnRunway(['serve', '--json'], { cwd, env: { RUNWAY_STORE: storeUrl } });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /control plane listening on (http:\/\/[^ ]+)/.exec(out);
    if (m) return { child, pid: child.pid!, url: m[1]!, output: () => out };
    if (child.exitCode !== null) throw new Error(`runway serve exited ${child.exitCode}: ${out}`);
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`runway serve did not listen within 30 s: ${out}`);
}

/**
 * Kills every instance and waits for them to be gone, then stops the agent they shared (a control
 * plane still alive would start the agent again).
 */
export async function stopAll(cwd: string, instances: readonly Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async (i) => {
      if (i.child.exitCode !== null || i.child.signalCode !== null) return;
      const exited = once(i.child, 'exit');
      i.child.kill('SIGKILL');
      await exited;
    }),
  );
  await stopAgent(join(cwd, '.runway', 'shared', 'agent'));
}

/** The API token the instances share. */
export function tokenOf(cwd: string): string {
  return readFileSync(join(cwd, '.runway', 'shared', 'server.token'), 'utf8').trim();
}

/** Calls the control-plane API; returns status and JSON body. */
export async function api(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A rollout request for service `service` on `port`: v1 replaces, later versions go canary. */
export function rolloutRequest(
  cwd: string,
  service: string,
  port: number,
  version: string,
  opts: { sick?: boolean; pauseMs?: number } = {},
): Record<string, unknown> {
  const pause = { pause: { durationMs: opts.pauseMs ?? 1500 } };
  return {
    service,
    environment: 'prod',
    port,
    key: `${service}-${version}`,
    release: {
      version,
      command: 'node server.js',
      cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MODE: opts.sick ? 'sick' : 'ok' },
      replicas: 1,
      health: '/health',
      readinessTimeoutMs: 20_000,
    },
    ...(version === 'v1'
      ? {}
      : {
          strategy: {
            canary: {
              steps: [{ setWeight: 200 }, pause, { setWeight: 500 }, pause, { setWeight: 800 }, pause],
              abortOn: { consecutiveHealthFailures: 2 },
            },
          },
        }),
  };
}

/** Store reads straight from PostgreSQL, as an operator would. */
export class StoreProbe {
  readonly #pool: pg.Pool;

  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 2 });
  }

  /** Phase of every rollout by id. */
  async phases(): Promise<Map<string, string>> {
    const { rows } = await this.#pool.query<{ id: string; phase: string }>('SELECT id, phase FROM rollouts');
    return new Map(rows.map((r) => [r.id, r.phase]));
  }

  /** Lease holder and token of every environment. */
  async leases(): Promise<Map<string, { holder: string; token: number }>> {
    const { rows } = await this.#pool.query<{ name: string; holder: string; token: string }>(
      'SELECT name, holder, token FROM leases',
    );
    return new Map(rows.map((r) => [r.name, { holder: r.holder, token: Number(r.token) }]));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** The pid in a lease holder (`host:pid:nonce`). */
export function holderPid(holder: string): number {
  return Number(holder.split(':')[1]);
}

/** What the data plane did, read from its own log. */
export interface DataPlaneActions {
  /** Instance starts by `site key` (`svc/prod svc/v2/0`), with the restart count each start reported. */
  starts: Map<string, number[]>;
  /** Route states by site, in order: versions run and weights (`v1,v2 v1=800 v2=200`). */
  routes: Map<string, string[]>;
}

/** Parses the agent's log. */
export function dataPlaneActions(cwd: string): DataPlaneActions {
  const text = readFileSync(join(cwd, '.runway', 'shared', 'agent', 'agent.log'), 'utf8');
  const starts = new Map<string, number[]>();
  const routes = new Map<string, string[]>();
  const versions = new Map<string, string>();
  for (const line of text.split('\n')) {
    const start = /^\S+ instance (\S+) (\S+) started pid=\S+ restarts=(\d+)/.exec(line);
    if (start) {
      const key = `${start[1]} ${start[2]}`;
      starts.set(key, [...(starts.get(key) ?? []), Number(start[3])]);
    }
    const w = /^\S+ site (\S+) (?:applied: versions ([^;]*); )?weights (.*)$/.exec(line);
    if (w) {
      const site = w[1]!;
      if (w[2] !== undefined) versions.set(site, w[2].replace(/ /g, ''));
      routes.set(site, [...(routes.get(site) ?? []), `${versions.get(site) ?? ''} ${w[3]}`]);
    }
  }
  return { starts, routes };
}

/** The canary's per-mille in each route state of a site, in order. */
export function canaryWeights(actions: DataPlaneActions, site: string, version: string): number[] {
  return (actions.routes.get(site) ?? []).map((r) =>
    Number(new RegExp(`${version}=(\\d+)`).exec(r)?.[1] ?? 0),
  );
}

/**
 * Actions the data plane carried out twice: an instance started again though it never exited (a
 * restart count of 0 seen twice), a route state set again unchanged, or the same change of routes
 * made twice (a stale owner replaying a step).
 */
export function doubleActions(actions: DataPlaneActions): string[] {
  const doubles: string[] = [];
  for (const [key, restarts] of actions.starts) {
    if (restarts.filter((r) => r === 0).length > 1) doubles.push(`${key} started ${restarts.length} times`);
  }
  for (const [site, list] of actions.routes) {
    const seen = new Set<string>();
    for (let i = 1; i < list.length; i++) {
      const change = `${list[i - 1]} -> ${list[i]}`;
      if (list[i] === list[i - 1]) doubles.push(`${site}: ${list[i]} set twice in a row`);
      else if (seen.has(change)) doubles.push(`${site}: ${change} made twice`);
      seen.add(change);
    }
  }
  return doubles;
}

/** Polls `check` until it returns something truthy or `timeoutMs` passes. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Writes a note into the project (for debugging a failed run). */
export function keepOutput(cwd: string, name: string, text: string): void {
  writeFileSync(join(cwd, name), text);
}

/** A TCP port on 127.0.0.1 free right now (the OS picks it). */
export { freePort } from './helpers.ts';
