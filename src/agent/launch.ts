import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT, RUNNING_BUILT } from '../package-root.ts';
import { readTail } from '../engine/files.ts';
import { agentDirFiles, processRunning, readAgentInfo, readToken } from './agent-dir.ts';
import { AgentClient } from './client.ts';

/** The agent's entry point, run by `process.execPath`: beside this module, built (`.js`) or not (`.ts`). */
export const AGENT_MAIN = RUNNING_BUILT
  ? join(PACKAGE_ROOT, 'dist', 'agent', 'main.js')
  : join(PACKAGE_ROOT, 'src', 'agent', 'main.ts');

/** Default time ensureAgent waits for a new agent to answer. */
export const DEFAULT_START_TIMEOUT_MS = 10_000;

/** An agent that answers, and whether this call started it. */
export interface EnsuredAgent {
  readonly client: AgentClient;
  readonly pid: number;
  readonly started: boolean;
}

/**
 * Returns a client of the agent serving `dir`, starting one if none answers: a detached process in
 * its own session, with its output appended to `<dir>/agent.log`, that outlives the caller. Creates
 * `dir` and `<dir>/token` (32 random bytes, hex, mode 0600) when missing.
 *
 * @example const { client } = await ensureAgent('.runway/agent')
 */
export async function ensureAgent(dir: string, options: { timeoutMs?: number } = {}): Promise<EnsuredAgent> {
  const root = resolve(dir);
  const files = agentDirFiles(root);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(files.token, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const token = readToken(root);
  const running = await liveAgent(root, token);
  if (running) return { ...running, started: false };

  const out = openSync(files.log, 'a', 0o600);
  const child = spawn(process.execPath, [AGENT_MAIN, '--dir', root], {
    cwd: root,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
  child.once('error', (err) => (exit = err.message));

  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      const other = await liveAgent(root, token);
      if (other) return { ...other, started: false };
      throw new Error(`agent exited at start (${exit}): ${readTail(files.log, 5)}`);
    }
    const info = readAgentInfo(root);
    if (info?.pid === child.pid) {
      const found = await liveAgent(root, token);
      if (found) return { ...found, started: true };
    }
    await sleep(50);
  }
  if (child.pid !== undefined) signal(child.pid, 'SIGTERM');
  throw new Error(`agent did not answer within ${timeoutMs}ms: ${readTail(files.log, 5)}`);
}

/**
 * Stops the agent serving `dir`, if any: `POST /v1/shutdown` (its instances stop gracefully), then
 * SIGTERM and at last SIGKILL if it is still there after `timeoutMs`. Resolves to whether one ran.
 */
export async function stopAgent(dir: string, options: { timeoutMs?: number } = {}): Promise<boolean> {
  const root = resolve(dir);
  const info = readAgentInfo(root);
  if (!info || !processRunning(info.pid)) return false;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client = new AgentClient({ url: `http://127.0.0.1:${info.port}`, token: readToken(root) });
  const asked = await client.shutdown().then(
    () => true,
    () => false,
  );
  if (!asked) signal(info.pid, 'SIGTERM');
  if (await gone(info.pid, timeoutMs)) return true;
  signal(info.pid, 'SIGKILL');
  await gone(info.pid, 2000);
  return true;
}

async function liveAgent(dir: string, token: string): Promise<Omit<EnsuredAgent, 'started'> | undefined> {
  const info = readAgentInfo(dir);
  if (!info || !processRunning(info.pid)) return undefined;
  const url = `http://127.0.0.1:${info.port}`;
  const health = await new AgentClient({ url, token, timeoutMs: 2000 }).health().catch(() => undefined);
  if (health?.pid !== info.pid) return undefined;
  return { client: new AgentClient({ url, token }), pid: info.pid };
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
