import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type { Clock } from '../../engine/clock.ts';
import { secretPatterns, StreamMasker } from '../../engine/masker.ts';
import { signalGroup } from '../../executors/local/process-group.ts';
import { processEnv } from './instance-spec.ts';
import type { InstanceSpec } from './instance-spec.ts';
import { procStat, waitGroupGone } from './process-table.ts';

/** How a process of an instance ended. */
export interface ProcessExit {
  /** Exit code, or null when a signal ended it or it never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why it could not start, when it could not. */
  readonly error?: string;
}

/** One running process of an instance, the leader of its own process group. */
export interface InstanceProcess {
  readonly pid: number | null;
  readonly pgid: number | null;
  /** Aborts as soon as the leader exits. */
  readonly ended: AbortSignal;
  /** Resolves once the leader exited and the rest of its group is gone too. */
  readonly exited: Promise<ProcessExit>;
}

/** How long killed leftovers of a group may take to disappear before the exit is reported anyway. */
const LEFTOVER_WAIT_MS = 5000;

/**
 * Starts the spec's command with `bash -c` in a new process group, with exactly `processEnv(spec)`,
 * appending its output to `spec.logPath` after a banner line. Never throws: a process that cannot
 * start is one that exited with an error. When the leader exits, the rest of its group is killed.
 */
export function startProcess(
  spec: InstanceSpec,
  options: { shell: string; clock: Clock; banner: string },
): InstanceProcess {
  const ended = new AbortController();
  let output: ProcessOutput;
  try {
    mkdirSync(dirname(spec.logPath), { recursive: true });
    appendFileSync(spec.logPath, options.banner);
    output = openOutput(spec);
  } catch (err) {
    ended.abort();
    return { pid: null, pgid: null, ended: ended.signal, exited: Promise.resolve(failed(err)) };
  }
  let child: ChildProcess;
  try {
    child = spawn(options.shell, ['--noprofile', '--norc', '-eo', 'pipefail', '-c', spec.command], {
      cwd: spec.cwd,
      env: processEnv(spec),
      detached: true,
      stdio: ['ignore', output.stdio, output.stdio],
    });
  } catch (err) {
    void output.attach(null, null);
    ended.abort();
    return { pid: null, pgid: null, ended: ended.signal, exited: Promise.resolve(failed(err)) };
  }
  const pgid = child.pid ?? null;
  const closed = output.attach(child.stdout, child.stderr);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.on('error', (err) => {
      if (child.pid !== undefined) return;
      ended.abort();
      resolve(failed(err));
    });
    child.once('exit', (code, signal) => {
      ended.abort();
      if (pgid === null) return resolve({ code, signal });
      signalGroup(pgid, 'SIGKILL');
      void waitGroupGone(pgid, options.clock, LEFTOVER_WAIT_MS)
        .then(() => within(closed, LEFTOVER_WAIT_MS, options.clock))
        .then(() => resolve({ code, signal }));
    });
  });
  return { pid: child.pid ?? null, pgid, ended: ended.signal, exited };
}

/** How often an adopted group's leader is looked for: it is not our child, so no exit event comes. */
const ADOPTED_POLL_MS = 100;

/**
 * Takes over a process group a previous agent started and left running (its leader is `pgid`): the
 * same handle as startProcess gives, so it is probed, restarted and stopped like any other. The
 * leader's exit is found by polling `/proc` (a zombie counts as gone); its exit code is unknown.
 */
export function adoptProcess(pgid: number, clock: Clock): InstanceProcess {
  const ended = new AbortController();
  const exited = (async (): Promise<ProcessExit> => {
    while (leaderRunning(pgid)) await clock.sleep(ADOPTED_POLL_MS);
    ended.abort();
    signalGroup(pgid, 'SIGKILL');
    await waitGroupGone(pgid, clock, LEFTOVER_WAIT_MS);
    return { code: null, signal: null };
  })();
  return { pid: pgid, pgid, ended: ended.signal, exited };
}

function leaderRunning(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.pgid === pid;
}

/**
 * Stops a process: SIGTERM to its group, SIGKILL to the group if it has not exited after `graceMs`.
 * Resolves when the whole group is gone.
 */
export async function terminateProcess(
  proc: InstanceProcess,
  graceMs: number,
  clock: Clock,
): Promise<ProcessExit> {
  if (proc.pgid === null || proc.ended.aborted) return proc.exited;
  signalGroup(proc.pgid, 'SIGTERM');
  const grace = new AbortController();
  const inTime = await Promise.race([
    proc.exited.then(() => true),
    clock.sleep(graceMs, grace.signal).then(() => false),
  ]);
  grace.abort();
  if (!inTime) signalGroup(proc.pgid, 'SIGKILL');
  return proc.exited;
}

interface ProcessOutput {
  readonly stdio: number | 'pipe';
  /** Connects the child's pipes, if any; resolves when everything is written to the log. */
  attach(stdout: Readable | null, stderr: Readable | null): Promise<void>;
}

/**
 * Without secrets the child writes to the log file itself, so it never depends on the agent's pipes;
 * with secrets its output passes through a masker first.
 */
function openOutput(spec: InstanceSpec): ProcessOutput {
  if (spec.secrets.length === 0) {
    const fd = openSync(spec.logPath, 'a');
    return {
      stdio: fd,
      attach: () => {
        closeSync(fd);
        return Promise.resolve();
      },
    };
  }
  const patterns = secretPatterns(spec.secrets);
  return {
    stdio: 'pipe',
    attach: (stdout, stderr) => {
      const file = createWriteStream(spec.logPath, { flags: 'a' });
      const pump = (stream: Readable | null) =>
        new Promise<void>((resolve) => {
          if (!stream) return resolve();
          const masker = new StreamMasker(patterns);
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => file.write(masker.push(chunk)));
          stream.on('end', () => {
            file.write(masker.end());
            resolve();
          });
          stream.on('error', () => resolve());
        });
      return Promise.all([pump(stdout), pump(stderr)]).then(
        () => new Promise<void>((resolve) => file.end(() => resolve())),
      );
    },
  };
}

/** Waits for `promise`, but no longer than `ms`: a process that left the group may hold a pipe open. */
async function within(promise: Promise<void>, ms: number, clock: Clock): Promise<void> {
  const timer = new AbortController();
  await Promise.race([promise, clock.sleep(ms, timer.signal)]);
  timer.abort();
}

function failed(err: unknown): ProcessExit {
  return { code: null, signal: null, error: (err as Error).message };
}
