import { spawn } from 'node:child_process';
import { StreamMasker } from '../../engine/masker.ts';
import type { Executor, ProcessResult, ProcessSpec, RunningProcess } from '../executor.ts';
import { signalGroup } from './process-group.ts';

/** How long a timed-out or cancelled step gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 3000;

/**
 * Runs each script with bash (`-eo pipefail`) in its own process group, with exactly the given
 * environment. Timeouts and cancellation kill the whole group; output is masked before anyone sees it.
 */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly #shell: string;

  constructor(shell = 'bash') {
    this.#shell = shell;
  }

  run(spec: ProcessSpec): Promise<ProcessResult> {
    return this.start(spec).exited;
  }

  start(spec: ProcessSpec): RunningProcess {
    const started = performance.now();
    const child = spawn(this.#shell, ['--noprofile', '--norc', '-eo', 'pipefail', '-c', spec.script], {
      cwd: spec.cwd,
      env: spec.env,
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
          spec.onOutput(`runway: cannot start ${this.#shell}: ${spawnError.message}\n`, 'stderr');
        const result: ProcessResult = {
          exitCode: spawnError ? 127 : code,
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
