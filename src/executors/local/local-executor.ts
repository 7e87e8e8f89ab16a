import { existsSync } from 'node:fs';
import { StreamMasker } from '../../engine/masker.ts';
import type { Executor, ProcessResult, ProcessSpec, RunningProcess } from '../executor.ts';
import { launchHere, type LaunchEvents, type LaunchRequest } from './launch.ts';
import { signalGroup } from './process-group.ts';
import { directArgv, resolveProgram, shellLikeEnv } from './simple-command.ts';
import { SpawnServerClient } from './spawn-server-client.ts';

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
  readonly #server: SpawnServerClient;

  /** `direct: false` always goes through the shell (to compare the two paths). */
  constructor(shell = 'bash', options: { direct?: boolean; spawnServer?: boolean } = {}) {
    this.#shell = shell;
    this.#direct = options.direct ?? process.env['RUNWAY_NO_DIRECT_EXEC'] !== '1';
    this.#server = new SpawnServerClient(options.spawnServer);
  }

  run(spec: ProcessSpec): Promise<ProcessResult> {
    return this.#launch(spec, true).exited;
  }

  start(spec: ProcessSpec): RunningProcess {
    return this.#launch(spec, false);
  }

  /**
   * Starts the script and wires its timeout, cancellation, masking and result. `viaServer`: a step
   * may be started by the spawn server (its pgid arrives a moment later, through `onStart`); a
   * stage service is started from here, since its caller needs the pgid at once.
   */
  #launch(spec: ProcessSpec, viaServer: boolean): RunningProcess {
    const started = performance.now();
    const argv = this.#direct ? directArgv(spec.script) : null;
    const program = argv ? (argv[0] as string) : this.#shell;
    const file = argv ? resolveProgram(program, spec.env['PATH'], spec.cwd) : program;
    const request: LaunchRequest = {
      file,
      args: argv ? argv.slice(1) : ['--noprofile', '--norc', '-eo', 'pipefail', '-c', spec.script],
      argv0: program,
      cwd: spec.cwd,
      env: argv ? shellLikeEnv(spec.env, spec.cwd, file) : spec.env,
    };

    let pgid = -1;
    let timedOut = false;
    let cancelled = false;
    let stopGrace: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const terminate = (graceMs: number) => {
      if (pgid <= 0) {
        stopGrace ??= graceMs; // not started yet: signalled as soon as it is
        return;
      }
      signalGroup(pgid, 'SIGTERM');
      killTimer ??= setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
    };
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

    const maskers = { stdout: new StreamMasker(spec.secrets), stderr: new StreamMasker(spec.secrets) };
    let resolveExited: (result: ProcessResult) => void = () => {};
    const exited = new Promise<ProcessResult>((resolve) => {
      resolveExited = resolve;
    });
    const events: LaunchEvents = {
      start: (pid) => {
        if (pid === undefined || pid <= 0) return;
        pgid = pid;
        spec.onStart?.(pgid);
        if (stopGrace !== undefined) terminate(stopGrace);
      },
      output: (text, stream) => {
        const safe = maskers[stream].push(text);
        if (safe) spec.onOutput(safe, stream);
      },
      // the script is done: no process it left behind may outlive the step and hold its output open
      exit: () => {
        if (pgid > 0) signalGroup(pgid, 'SIGKILL');
      },
      close: (code, signal, error) => {
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        spec.signal?.removeEventListener('abort', onAbort);
        if (error && pgid > 0) signalGroup(pgid, 'SIGKILL');
        for (const stream of ['stdout', 'stderr'] as const) {
          const rest = maskers[stream].end();
          if (rest) spec.onOutput(rest, stream);
        }
        if (error) spec.onOutput(`${startFailure(program, spec.cwd, error, argv !== null)}\n`, 'stderr');
        resolveExited({
          exitCode: error ? exitCodeOf(error) : code,
          ...(signal ? { signal } : {}),
          timedOut,
          cancelled,
          durationMs: performance.now() - started,
        });
      },
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (!(viaServer && this.#server.launch(request, events))) launchHere(request, events);
    if (spec.signal?.aborted) onAbort();

    return {
      get pgid() {
        return pgid;
      },
      exited,
      stop: async (graceMs: number) => {
        terminate(graceMs);
        return exited;
      },
    };
  }
}

/** What bash says when it cannot run a command, so a direct exec fails the same way. */
function startFailure(program: string, cwd: string, err: StartError, direct: boolean): string {
  const code = err.code;
  if (code === 'ESPAWNSERVER') return `runway: ${err.message} while running ${program}`;
  if (code === 'ENOENT' && !existsSync(cwd)) return `runway: cannot start in ${cwd}: no such directory`;
  if (!direct) return `runway: cannot start ${program}: ${err.message}`;
  if (code === 'ENOENT') return `runway: line 1: ${program}: command not found`;
  if (code === 'EACCES') return `runway: line 1: ${program}: Permission denied`;
  return `runway: line 1: ${program}: ${err.message}`;
}

/** 127 for a command that is not there, 126 for one that cannot run: bash's codes. */
function exitCodeOf(err: StartError): number {
  return err.code === 'EACCES' ? 126 : 127;
}

type StartError = { code: string | undefined; message: string };
