/**
 * When the controllers look at a rollout: one look at a time per rollout, a look scheduled after a
 * delay (a new schedule replaces the pending one), and any other work on a rollout serialized with its
 * looks. The weight-driving controller and the delegated one (src/rollout/delegated/) share it.
 */
export class Looks {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #look: (id: string) => Promise<unknown>;
  readonly #failed: (id: string, err: unknown) => void;
  #closed = false;

  /** `look` is one look at a rollout; `failed` hears of a scheduled look that threw. */
  constructor(look: (id: string) => Promise<unknown>, failed: (id: string, err: unknown) => void) {
    this.#look = look;
    this.#failed = failed;
  }

  /** Looks at `id` after `delayMs`, in place of a look already scheduled; nothing once closed. */
  schedule(id: string, delayMs: number): void {
    if (this.#closed) return;
    const existing = this.#timers.get(id);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(
      () => {
        this.#timers.delete(id);
        void this.serialized(id, () => this.#look(id)).catch((err: unknown) => this.#failed(id, err));
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.#timers.set(id, timer);
  }

  /** Runs `fn` after every look and every other work on `id` started before it. */
  serialized<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.#chains.set(id, next);
    return next;
  }

  /** Whether `id` has ever been looked at or has a look scheduled. */
  known(id: string): boolean {
    return this.#timers.has(id) || this.#chains.has(id);
  }

  /** Schedules nothing more, cancels what is scheduled, and waits for what runs. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#chains.values()]);
  }
}
