import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ReleaseDesired, SiteDesiredInput } from './desired.ts';
import { signalGroup } from '../executors/local/process-group.ts';
import { agentDirFiles, readAgentInfo } from './agent-dir.ts';

/** A release of the supervisor's test server (`server.mjs` in `app`) with fast probes; MODE picks its behaviour. */
export function release(
  app: string,
  version: string,
  over: Partial<ReleaseDesired> & { mode?: string } = {},
): ReleaseDesired {
  const { mode = 'ok', ...rest } = over;
  return {
    version,
    revision: 1,
    command: 'node server.mjs',
    cwd: app,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, MODE: mode },
    replicas: 1,
    health: '/health',
    readinessTimeoutMs: 5000,
    livenessIntervalMs: 200,
    stopGraceMs: 1000,
    ...rest,
  };
}

/** A site `web/<environment>` on `port`. */
export function site(
  port: number,
  releases: ReleaseDesired[],
  weights: Record<string, number>,
  over: Partial<SiteDesiredInput> = {},
): SiteDesiredInput {
  return { service: 'web', environment: 'prod', port, releases, weights, ...over };
}

/** Polls `check` every 25 ms until it returns something truthy; fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends `n` requests to 127.0.0.1:`port` one after another; counts the responses by X-Runway-Version and status. */
export async function traffic(
  port: number,
  n: number,
): Promise<{ versions: Record<string, number>; codes: Record<string, number> }> {
  const versions: Record<string, number> = {};
  const codes: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    await res.text();
    const v = res.headers.get('x-runway-version') ?? 'none';
    versions[v] = (versions[v] ?? 0) + 1;
    codes[res.status] = (codes[res.status] ?? 0) + 1;
  }
  return { versions, codes };
}

/** A fresh temp directory; `cleanup` removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** SIGKILLs the agent of `dir` and every process group it recorded, plus `extra` groups; for `after` hooks. */
export function killAll(dir: string, extra: Iterable<number> = []): void {
  const info = readAgentInfo(dir);
  if (info) signalPid(info.pid);
  const groups = new Set(extra);
  try {
    const ledger = JSON.parse(readFileSync(agentDirFiles(dir).pgids, 'utf8')) as {
      groups: { pgid: number }[];
    };
    for (const g of ledger.groups) groups.add(g.pgid);
  } catch {
    // no ledger
  }
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
}

function signalPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}
