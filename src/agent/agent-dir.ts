import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../executors/local/process-group.ts';
import { procStat } from './supervisor/process-table.ts';

/** What `<dir>/agent.json` holds once the agent listens. */
export interface AgentInfo {
  readonly pid: number;
  readonly port: number;
  readonly startedAt: string;
  readonly version: string;
}

/** The files of an agent's directory (see the README's table). */
export interface AgentDirFiles {
  readonly token: string;
  readonly info: string;
  readonly log: string;
  readonly desired: string;
  readonly pgids: string;
  readonly logs: string;
}

/** Where each file of an agent's directory lives. */
export function agentDirFiles(dir: string): AgentDirFiles {
  return {
    token: join(dir, 'token'),
    info: join(dir, 'agent.json'),
    log: join(dir, 'agent.log'),
    desired: join(dir, 'desired.json'),
    pgids: join(dir, 'pgids.json'),
    logs: join(dir, 'logs'),
  };
}

/** Reads and checks `<dir>/token`: it must exist, be private to its owner (0600) and not be empty. */
export function readToken(dir: string): string {
  const path = agentDirFiles(dir).token;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new Error(`${path} is missing: create it with a random token and mode 0600`);
  }
  if ((mode & 0o077) !== 0) {
    throw new Error(`${path} has mode 0${(mode & 0o777).toString(8)}: run chmod 600 on it`);
  }
  const token = readFileSync(path, 'utf8').trim();
  if (token.length === 0) throw new Error(`${path} is empty`);
  return token;
}

/** `<dir>/agent.json`, or undefined when it is missing or unreadable. */
export function readAgentInfo(dir: string): AgentInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(agentDirFiles(dir).info, 'utf8')) as AgentInfo;
    return Number.isInteger(info.pid) && Number.isInteger(info.port) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process runs: alive and not a zombie (PID 1 of a container may never reap an orphan). */
export function processRunning(pid: number): boolean {
  return processAlive(pid) && procStat(pid)?.state !== 'Z';
}
