/*
 * Cron schedules of `on.schedule`, each read in its timezone (croner). `tick(now)` starts every
 * schedule whose next time since the last tick has come, once; the loop ticks on the clock.
 */
import { Cron } from 'croner';
import type { Clock } from '../engine/clock.ts';
import type { RunStarter } from './run-starter.ts';

/** The schedules of a pipeline, fired on a clock. */
export class Scheduler {
  readonly #jobs: { cron: string; timezone: string; pattern: Cron; next: Date | null }[];
  readonly #starter: RunStarter;
  readonly #clock: Clock;
  readonly #log: (line: string) => void;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(o: {
    schedules: readonly { cron: string; timezone: string }[];
    starter: RunStarter;
    clock: Clock;
    log: (line: string) => void;
  }) {
    this.#starter = o.starter;
    this.#clock = o.clock;
    this.#log = o.log;
    const now = o.clock.now();
    this.#jobs = o.schedules.map((s) => {
      const pattern = new Cron(s.cron, { paused: true, timezone: s.timezone });
      return { ...s, pattern, next: pattern.nextRun(now) };
    });
  }

  /** When each schedule fires next. */
  get next(): { cron: string; timezone: string; at: Date | null }[] {
    return this.#jobs.map((j) => ({ cron: j.cron, timezone: j.timezone, at: j.next }));
  }

  /** Starts the schedules due at `now`; returns how many started. */
  async tick(now: Date): Promise<number> {
    let started = 0;
    for (const job of this.#jobs) {
      if (job.next === null || job.next.getTime() > now.getTime()) continue;
      const at = job.next;
      job.next = job.pattern.nextRun(now);
      try {
        const { log } = await this.#starter.start({
          kind: 'schedule',
          cron: job.cron,
          timezone: job.timezone,
          at,
        });
        this.#log(
          `schedule "${job.cron}" (${job.timezone}) due ${at.toISOString()}: run started (output in ${log})`,
        );
        started++;
      } catch (err) {
        this.#log(`schedule "${job.cron}" (${job.timezone}): cannot start a run: ${(err as Error).message}`);
      }
    }
    return started;
  }

  /** Ticks every `everyMs` on the clock until closed. */
  start(everyMs = 1000): void {
    if (this.#jobs.length === 0 || this.#loop) return;
    for (const j of this.next)
      this.#log(`schedule "${j.cron}" (${j.timezone}) fires next at ${j.at?.toISOString() ?? 'never'}`);
    this.#loop = (async () => {
      while (!this.#stop.signal.aborted) {
        await this.#clock.sleep(everyMs, this.#stop.signal);
        if (!this.#stop.signal.aborted) await this.tick(this.#clock.now());
      }
    })();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }
}
