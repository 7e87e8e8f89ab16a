import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'bin', 'runway.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that the OS says is free now, never the same twice in one test file: two
 * checkouts (or two test files) running at once never fight over a fixed number.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** A fresh directory holding `runway.yaml` (and any extra files). */
export function project(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'runway-e2e-'));
  writeFileSync(join(dir, 'runway.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Starts the real CLI with the Node running the tests. */
export function spawnRunway(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to the end and collects its output. */
export function runway(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  const child = spawnRunway(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Parses `runway runs RUN --json`. */
export async function runDetail(cwd: string, id: number): Promise<RunJson> {
  const res = await runway(['runs', String(id), '--json'], { cwd });
  if (res.code !== 0) throw new Error(`runway runs failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as RunJson;
}

export interface RunJson {
  id: number;
  status: string;
  displayStatus: string;
  reason?: string;
  context: { sha: string; message: string; ref: string };
  stages: { name: string; status: string; startedAt?: string; finishedAt?: string; reason?: string }[];
  steps: {
    key: string;
    status: string;
    attempts: number;
    flaky: boolean;
    startedAt?: string;
    finishedAt?: string;
    reason?: string;
    logPath?: string;
  }[];
  outputs: Record<string, Record<string, string>>;
  evidence: { key: string; value: unknown; stepKey: string }[];
}

/** Whether a process is alive; a zombie (killed, not yet reaped) counts as dead. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const DEMO_LOCK = join(tmpdir(), 'runway-e2e-demo-ports.lock');

/**
 * `runway demo` serves examples/runway.yaml's fixed ports (24200, 24201): test files that run it
 * (in parallel processes, or in two checkouts) take turns. Waits for the lock, breaks it when its
 * holder is dead, and returns the release.
 */
export async function lockDemoPorts(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(DEMO_LOCK);
      writeFileSync(join(DEMO_LOCK, 'pid'), String(process.pid));
      return () => rmSync(DEMO_LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(DEMO_LOCK, 'pid'), 'utf8'));
      } catch {
        // being written or removed just now
      }
      if (holder > 0 && !alive(holder)) rmSync(DEMO_LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
