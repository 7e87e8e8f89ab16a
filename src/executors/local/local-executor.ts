import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { StreamMasker } from '../../engine/masker.ts';
import type { Executor, ProcessResult, ProcessSpec, RunningProcess } from '../executor.ts';
import { signalGroup } from './process-group.ts';
import { directArgv, resolveProgram, shellLikeEnv } from './simple-command.ts';

/** How long a timed-out or cancelled step gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 3000;

/**
 * Runs each script with bash (`-eo pipefail`) in its own process group, with exactly the given
 * environment. A script that is one simple command is exec'd directly, as GNU make does (see
 * `simple-command.ts`). Timeouts and cancellation kill the whole group; output is masked before
 * anyone sees it.
 */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly #shell: string;

  readonly #direct: boolean;

  /** `direct: false` always goes through the shell (to compare the two paths). */
  constructor(shell = 'bash', options: { direct?: boolean } = {}) {
    this.#shell = shell;
    this.#direct = options.direct ?? process.env['RUNWAY_NO_DIRECT_EXEC'] !== '1';
  }

  run(spec: ProcessSpec): Promise<ProcessResult> {
    return this.start(spec).exited;
  }

  start(spec: ProcessSpec): RunningProcess {
    const started = performance.now();
    const argv = this.#direct ? directArgv(spec.script) : null;
    const program = argv ? (argv[0] as string) : this.#shell;
    const file = argv ? resolveProgram(program, spec.env['PATH'], spec.cwd) : program;
    const args = argv ? argv.slice(1) : ['--noprofile', '--norc', '-eo', 'pipefail', '-c', spec.script];
    const child = spawn(file, args, {
      argv0: program,
      cwd: spec.cwd,
      env: argv ? shellLikeEnv(spec.env, spec.cwd, file) : spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid ?? -1;
    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = (graceMs: number) => {
      if (pgid <= 0) return;
      signalGroup(pgid, 'SIGTERM');
      killTimer ??= setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
    };
    if (pgid > 0) spec.onStart?.(pgid);

    const timer =
      spec.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            terminate(KILL_GRACE_MS);
          }, spec.timeoutMs)
        : undefined;
    const onAbort = () => {
      cancelled = true;
      terminate(KILL_GRACE_MS);
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (spec.signal?.aborted) onAbort();

    const pipe = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr') => {
      const masker = new StreamMasker(spec.secrets);
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const safe = masker.push(chunk);
        if (safe) spec.onOutput(safe, name);
      });
      return new Promise<void>((resolve) => {
        if (!stream) return resolve();
        stream.on('end', () => {
          const rest = masker.end();
          if (rest) spec.onOutput(rest, name);
          resolve();
        });
        stream.on('error', () => resolve());
      });
    };
    const drained = Promise.all([pipe(child.stdout, 'stdout'), pipe(child.stderr, 'stderr')]);

    const exited = new Promise<ProcessResult>((resolve) => {
      let spawnError: Error | undefined;
      child.on('error', (err) => {
        spawnError = err;
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        spec.signal?.removeEventListener('abort', onAbort);
        if (spawnError)
          spec.onOutput(`${startFailure(program, spec.cwd, spawnError, argv !== null)}\n`, 'stderr');
        const result: ProcessResult = {
          exitCode: spawnError ? exitCodeOf(spawnError) : code,
          ...(signal ? { signal } : {}),
          timedOut,
          cancelled,
          durationMs: performance.now() - started,
        };
        void drained.then(() => resolve(result));
      });
      child.on('exit', () => {
        // the script is done: no process it left behind may outlive the step and hold its output open
        if (pgid > 0) signalGroup(pgid, 'SIGKILL');
      });
    });

    return {
      pgid,
      exited,
      stop: async (graceMs: number) => {
        terminate(graceMs);
        return exited;
      },
    };
  }
}

/** What bash says when it cannot run a command, so a direct exec fails the same way. */
function startFailure(program: string, cwd: string, err: Error, direct: boolean): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' && !existsSync(cwd)) return `runway: cannot start in ${cwd}: no such directory`;
  if (!direct) return `runway: cannot start ${program}: ${err.message}`;
  if (code === 'ENOENT') return `runway: line 1: ${program}: command not found`;
  if (code === 'EACCES') return `runway: line 1: ${program}: Permission denied`;
  return `runway: line 1: ${program}: ${err.message}`;
}

/** 127 for a command that is not there, 126 for one that cannot run: bash's codes. */
function exitCodeOf(err: Error): number {
  return (err as NodeJS.ErrnoException).code === 'EACCES' ? 126 : 127;
}
