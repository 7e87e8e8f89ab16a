import { readdirSync, readFileSync } from 'node:fs';
import type { Clock } from '../../engine/clock.ts';
import { groupAlive } from '../../executors/local/process-group.ts';

/** One line of `/proc/<pid>/stat`, the fields the supervisor needs. */
export interface ProcStat {
  readonly pid: number;
  /** R, S, D, Z, T…; Z is a zombie: dead, waiting for a parent to reap it. */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
}

/** The stat of a process, or null when it does not exist or /proc is unavailable. */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name may hold spaces and parentheses, so fields are counted after the last ')'
  const [state = '', ppid = '', pgid = ''] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state, ppid: Number(ppid), pgid: Number(pgid) };
}

/** Pids of the processes of a group that still run (zombies excluded); null without /proc. */
export function groupMembers(pgid: number): number[] | null {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return null;
  }
  const members: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat && stat.pgid === pgid && stat.state !== 'Z') members.push(stat.pid);
  }
  return members;
}

/** Whether any process of the group still runs; a zombie counts as gone, since PID 1 may never reap it. */
export function groupRunning(pgid: number): boolean {
  if (!groupAlive(pgid)) return false;
  const members = groupMembers(pgid);
  return members === null || members.length > 0;
}

/** Polls until the group is gone or `timeoutMs` passes; true when it is gone. */
export async function waitGroupGone(pgid: number, clock: Clock, timeoutMs: number): Promise<boolean> {
  const deadline = clock.now().getTime() + timeoutMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 50)) {
    if (!groupRunning(pgid)) return true;
    if (clock.now().getTime() >= deadline) return false;
    await clock.sleep(pause);
  }
}
