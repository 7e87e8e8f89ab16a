/*
 * Timers for the analysis executor: real ones (unref'd, so a pending measurement never keeps a
 * process alive), or virtual time for tests and replays, where the clock jumps to the next timer.
 */

/** A handle of one scheduled callback. */
export type TimerHandle = { readonly id: number } | ReturnType<typeof setTimeout>;

/** Calls a function later; the executor keeps at most one timer per run. */
export interface Scheduler {
  set(fn: () => void, delayMs: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

/** setTimeout's largest delay; longer waits are cut into steps of this size. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Real timers, unref'd: a process with nothing else to do exits even while a run waits. */
export const realScheduler: Scheduler = {
  set(fn, delayMs) {
    const timer = setTimeout(fn, Math.min(Math.max(0, delayMs), MAX_DELAY_MS));
    timer.unref();
    return timer;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

interface VirtualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A fake clock and scheduler in one: time stands still until `advanceTo`/`runNext` moves it to the
 * next timer and fires it. Nothing sleeps, so a 30-minute analysis replays in milliseconds.
 * @example const vt = new VirtualTime(new Date('2026-03-02T10:00:00Z')); vt.set(fn, 60_000); vt.runNext(); // fn ran, vt.now() is 10:01
 */
export class VirtualTime implements Scheduler {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, VirtualTimer>();

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  set(fn: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, delayMs), fn });
    return { id };
  }

  clear(handle: TimerHandle): void {
    if (typeof handle === 'object' && handle !== null && 'id' in handle) this.#timers.delete(handle.id);
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer fires, if any. */
  nextAt(): Date | undefined {
    const next = this.#earliest();
    return next ? new Date(next.at) : undefined;
  }

  /** Moves the clock to the next timer (never backwards) and fires it; false when none is left. */
  runNext(): boolean {
    const next = this.#earliest();
    if (!next) return false;
    this.#timers.delete(next.id);
    this.#now = Math.max(this.#now, next.at);
    next.fn();
    return true;
  }

  /** Fires every timer due up to `at`, in order, then leaves the clock at `at`. */
  advanceTo(at: Date): void {
    const target = at.getTime();
    for (let next = this.#earliest(); next && next.at <= target; next = this.#earliest()) this.runNext();
    this.#now = Math.max(this.#now, target);
  }

  /** Moves the clock by `ms`, firing what falls due. */
  advanceBy(ms: number): void {
    this.advanceTo(new Date(this.#now + ms));
  }

  #earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const t of this.#timers.values()) if (!best || t.at < best.at) best = t;
    return best;
  }
}
