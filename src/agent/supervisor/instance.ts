import { systemClock } from '../../engine/clock.ts';
import type { Clock } from '../../engine/clock.ts';
import { healthUrl, probeHealth } from './health-probe.ts';
import type { ProbeResult } from './health-probe.ts';
import { adoptProcess, startProcess, terminateProcess } from './instance-process.ts';
import type { InstanceProcess } from './instance-process.ts';
import { instanceKey } from './instance-spec.ts';
import type { InstanceSpec } from './instance-spec.ts';
import type {
  InstanceEvent,
  InstanceEventSink,
  InstanceState,
  InstanceStatus,
  LastExit,
} from './instance-status.ts';
import {
  isCrashLooping,
  isReady,
  isUnhealthy,
  NEW_RESTART_STATE,
  NO_PROBES,
  recordFailure,
  recordProbe,
  recordStart,
} from './policy.ts';

/** What an instance needs besides its spec. */
export interface InstanceOptions {
  /** Time and timers; the system clock unless a test injects another. */
  readonly clock?: Clock;
  readonly onEvent?: InstanceEventSink;
  /** Awaited before SIGTERM when the instance is stopped: take it out of the routes, let requests finish. */
  readonly drain?: (key: string) => Promise<void>;
  readonly shell?: string;
  /** Probes the health URL; the real HTTP probe unless a test injects another. */
  readonly probe?: (url: string, timeoutMs: number) => Promise<ProbeResult>;
  /**
   * The process group of this instance that a previous agent started and left running: supervised
   * from its readiness probe on instead of starting a new process. Replaced as usual when it fails.
   */
  readonly adopt?: number;
}

type EventBody<E = InstanceEvent> = E extends unknown ? Omit<E, 'key' | 'at'> : never;

type Outcome = { kind: 'exited' } | { kind: 'stopping' } | { kind: 'unhealthy'; reason: string };

/**
 * Supervises one instance of a release: starts its process group, waits until it is ready, probes
 * its liveness, restarts it with backoff after it exits or turns unhealthy, reports crash loops, and
 * stops it gracefully (drain, SIGTERM, SIGKILL after the grace period).
 */
export class Instance {
  readonly key: string;
  readonly spec: InstanceSpec;
  readonly #clock: Clock;
  readonly #onEvent: InstanceEventSink;
  readonly #drain: ((key: string) => Promise<void>) | undefined;
  readonly #shell: string;
  readonly #probe: (url: string, timeoutMs: number) => Promise<ProbeResult>;
  readonly #stop = new AbortController();
  #loop: Promise<void> | null = null;
  #stopped: Promise<void> | null = null;
  #state: InstanceState = 'idle';
  #restart = NEW_RESTART_STATE;
  #proc: InstanceProcess | null = null;
  #startedAt: Date | null = null;
  #readySince: Date | null = null;
  #lastExit: LastExit | null = null;
  #livenessFailures = 0;
  #adopt: number | undefined;

  constructor(spec: InstanceSpec, options: InstanceOptions = {}) {
    this.spec = spec;
    this.key = instanceKey(spec);
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent ?? (() => undefined);
    this.#drain = options.drain;
    this.#shell = options.shell ?? 'bash';
    this.#probe = options.probe ?? probeHealth;
    this.#adopt = options.adopt;
  }

  /** Starts supervising; calling it again does nothing. */
  start(): void {
    if (this.#loop || this.#stop.signal.aborted) return;
    this.#loop = this.#supervise().catch((err: unknown) => {
      this.#lastExit = {
        code: null,
        signal: null,
        error: `supervisor: ${(err as Error).message}`,
        at: this.#iso(),
      };
    });
  }

  /** Stops probing, awaits the drain hook, then SIGTERM and SIGKILL after `graceMs`; resolves when the group is gone. */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(options.graceMs ?? this.spec.stopGraceMs);
    return this.#stopped;
  }

  /** A snapshot of the instance. */
  status(): InstanceStatus {
    return {
      key: this.key,
      service: this.spec.service,
      version: this.spec.release.version,
      index: this.spec.index,
      port: this.spec.port,
      state: this.#state,
      restarts: this.#restart.restarts,
      crashLooping: isCrashLooping(this.#restart, this.spec.restart, this.#clock.now().getTime()),
      livenessFailures: this.#livenessFailures,
      lastExit: this.#lastExit,
      startedAt: this.#startedAt?.toISOString() ?? null,
      readySince: this.#readySince?.toISOString() ?? null,
      pid: this.#proc?.pid ?? null,
      pgid: this.#proc?.pgid ?? null,
    };
  }

  async #supervise(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      // start the process group, or take over the one a previous agent left running
      this.#startedAt = this.#clock.now();
      const adopted = this.#adopt;
      this.#adopt = undefined;
      const proc = adopted === undefined ? this.#startProcess() : adoptProcess(adopted, this.#clock);
      this.#proc = proc;
      this.#livenessFailures = 0;
      this.#state = 'starting';
      if (adopted === undefined) {
        this.#restart = recordStart(this.#restart, this.#startedAt.getTime());
        this.#emit({ type: 'starting', restarts: this.#restart.restarts, pid: proc.pid, pgid: proc.pgid });
      } else {
        this.#emit({ type: 'adopted', pid: proc.pid, pgid: adopted });
      }

      // watch it until it exits, fails its probes or is stopped
      const outcome = await this.#watch(proc);
      if (outcome.kind === 'unhealthy') {
        this.#state = 'unhealthy';
        this.#emit({ type: 'unhealthy', reason: outcome.reason });
        await terminateProcess(proc, this.spec.stopGraceMs, this.#clock);
      }
      const exit = await proc.exited;
      this.#proc = null;
      this.#readySince = null;
      this.#lastExit = { ...exit, at: this.#iso() };
      this.#emit({ type: 'exited', ...exit });
      if (this.#stop.signal.aborted) return;

      // restart with backoff
      const decision = recordFailure(this.#restart, this.spec.restart, this.#clock.now().getTime());
      this.#restart = decision.state;
      if (decision.crashLoop) this.#emit({ type: 'crash-loop', ...decision.crashLoop });
      this.#state = 'backoff';
      this.#emit({ type: 'restarting', attempt: decision.attempt, delayMs: decision.delayMs });
      await this.#clock.sleep(decision.delayMs, this.#stop.signal);
    }
  }

  #startProcess(): InstanceProcess {
    const banner = `[runway] starting ${this.key} (restarts: ${this.#restart.restarts}) at ${this.#iso()}\n`;
    return startProcess(this.spec, { shell: this.#shell, clock: this.#clock, banner });
  }

  async #watch(proc: InstanceProcess): Promise<Outcome> {
    const signal = AbortSignal.any([proc.ended, this.#stop.signal]);
    const ended = (): Outcome => ({ kind: this.#stop.signal.aborted ? 'stopping' : 'exited' });
    const url = healthUrl(this.spec.port, this.spec.healthPath);
    const { readiness, liveness } = this.spec;

    // readiness: until enough probes in a row pass, or the deadline
    const deadline = this.#clock.now().getTime() + readiness.timeoutMs;
    let counter = NO_PROBES;
    for (;;) {
      if (signal.aborted) return ended();
      const result = await this.#probe(url, this.spec.probeTimeoutMs);
      if (signal.aborted) return ended();
      counter = recordProbe(counter, result.ok);
      if (isReady(counter, readiness.successThreshold)) break;
      if (this.#clock.now().getTime() >= deadline) {
        return {
          kind: 'unhealthy',
          reason: `not ready within ${readiness.timeoutMs}ms (last probe: ${result.detail})`,
        };
      }
      await this.#clock.sleep(readiness.intervalMs, signal);
    }
    this.#readySince = this.#clock.now();
    this.#state = 'ready';
    this.#emit({ type: 'ready' });

    // liveness: until enough probes in a row fail
    counter = NO_PROBES;
    this.#livenessFailures = 0;
    for (;;) {
      await this.#clock.sleep(liveness.intervalMs, signal);
      if (signal.aborted) return ended();
      const result = await this.#probe(url, this.spec.probeTimeoutMs);
      if (signal.aborted) return ended();
      counter = recordProbe(counter, result.ok);
      this.#livenessFailures = counter.failures;
      if (isUnhealthy(counter, liveness.failureThreshold)) {
        return {
          kind: 'unhealthy',
          reason: `${counter.failures} liveness probes failed in a row (last: ${result.detail})`,
        };
      }
    }
  }

  async #shutdown(graceMs: number): Promise<void> {
    this.#stop.abort();
    if (this.#state !== 'idle') {
      this.#state = 'stopping';
      if (this.#drain) await this.#drain(this.key).catch(() => undefined);
      const proc = this.#proc;
      if (proc) await terminateProcess(proc, graceMs, this.#clock);
      await this.#loop;
    }
    this.#state = 'stopped';
    this.#emit({ type: 'stopped' });
  }

  #emit(body: EventBody): void {
    try {
      this.#onEvent({ key: this.key, at: this.#iso(), ...body } as InstanceEvent);
    } catch {
      // a broken listener must not stop supervision
    }
  }

  #iso(): string {
    return this.#clock.now().toISOString();
  }
}
