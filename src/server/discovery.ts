/*
 * How the CLI and pipeline steps find the control plane: `<data dir>/server.json` (address, pid)
 * and `<data dir>/server.token` (mode 0600). RUNWAY_SERVER and RUNWAY_TOKEN override both.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `runway serve` writes once it listens. */
export interface ServerInfo {
  url: string;
  pid: number;
  startedAt: string;
}

/** Where a control plane's files live. */
export function serverFiles(dataDir: string): { info: string; token: string; log: string; agentDir: string } {
  return {
    info: join(dataDir, 'server.json'),
    token: join(dataDir, 'server.token'),
    log: join(dataDir, 'server.log'),
    agentDir: join(dataDir, 'agent'),
  };
}

/** The API token, created (random, 0600) when missing. */
export function ensureToken(dataDir: string): string {
  const { token } = serverFiles(dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(token)) {
    writeFileSync(token, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(token, 0o600);
  return readFileSync(token, 'utf8').trim();
}

/** Writes server.json atomically. */
export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  const { info: path } = serverFiles(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Removes server.json if it still names this process. */
export function clearServerInfo(dataDir: string, pid: number): void {
  const info = readServerInfo(dataDir);
  if (info?.pid === pid) rmSync(serverFiles(dataDir).info, { force: true });
}

/** server.json, if present and readable. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
  try {
    return JSON.parse(readFileSync(serverFiles(dataDir).info, 'utf8')) as ServerInfo;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (zombies count as gone). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * The control plane's address and token: RUNWAY_SERVER and RUNWAY_TOKEN (or a file named by
 * RUNWAY_TOKEN_FILE), else the data dir's files.
 */
export function locateServer(
  dataDir: string,
  env: Record<string, string | undefined>,
): { url: string; token: string } | undefined {
  const url = env['RUNWAY_SERVER'];
  const token = env['RUNWAY_TOKEN'] ?? tokenFromFile(env['RUNWAY_TOKEN_FILE']);
  if (url && token) return { url, token };
  const info = readServerInfo(dataDir);
  if (!info || !pidAlive(info.pid)) return undefined;
  try {
    return { url: url ?? info.url, token: token ?? readFileSync(serverFiles(dataDir).token, 'utf8').trim() };
  } catch {
    return undefined;
  }
}

/** The token in a file (trimmed), or undefined when no file is named or it cannot be read. */
function tokenFromFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
