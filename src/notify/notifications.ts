import { randomUUID } from 'node:crypto';
import type { Clock } from '../engine/clock.ts';
import type { DeliveryRecord } from './delivery-record.ts';
import { deliver, type DeliveryLog } from './delivery.ts';
import type { Notification } from './notification.ts';
import type { Notifier } from './notifier.ts';
import { createNotifier } from './registry.ts';
import type { Subscription } from './subscription.ts';

/** Whether a subscription wants a notification: its event, and its environment when it has one. */
export function wants(sub: Subscription, n: Notification): boolean {
  if (!sub.events.includes(n.event)) return false;
  if (n.environment === undefined || sub.environments.length === 0) return true;
  return sub.environments.includes(n.environment);
}

/**
 * Sends notifications to the subscriptions that want them, each delivered with retries in the
 * background; `flush` waits for every delivery started so far. A subscription whose notifier cannot
 * be built (a secret not set) logs a failed delivery instead of breaking the caller.
 */
export class Notifications {
  readonly #subs: readonly Subscription[];
  readonly #secrets: Readonly<Record<string, string>>;
  readonly #log: DeliveryLog;
  readonly #clock: Clock;
  readonly #notifiers = new Map<string, Notifier | Error>();
  readonly #inflight = new Set<Promise<DeliveryRecord>>();
  readonly #done: DeliveryRecord[] = [];

  constructor(opts: {
    subscriptions: Readonly<Record<string, Subscription>>;
    secrets: Readonly<Record<string, string>>;
    log: DeliveryLog;
    clock: Clock;
  }) {
    this.#subs = Object.values(opts.subscriptions);
    this.#secrets = opts.secrets;
    this.#log = opts.log;
    this.#clock = opts.clock;
  }

  /** Whether any subscription would take this event (for callers that must look something up first). */
  get empty(): boolean {
    return this.#subs.length === 0;
  }

  /** Starts delivering `n` to every subscription that wants it. */
  publish(n: Notification): void {
    for (const sub of this.#subs) {
      if (!wants(sub, n)) continue;
      const p = deliver({
        id: randomUUID(),
        subscription: sub.name,
        notifier: this.#notifier(sub),
        notification: n,
        retry: sub.retry,
        log: this.#log,
        clock: this.#clock,
      }).catch((err: unknown): DeliveryRecord => ({
        id: randomUUID(),
        subscription: sub.name,
        kind: sub.kind,
        event: n.event,
        service: n.service,
        title: n.title,
        status: 'failed',
        attempts: 0,
        error: `delivery log: ${(err as Error).message}`,
        createdAt: this.#clock.now().toISOString(),
        updatedAt: this.#clock.now().toISOString(),
      }));
      this.#inflight.add(p);
      void p.then((record) => {
        this.#inflight.delete(p);
        this.#done.push(record);
      });
    }
  }

  /** Waits for every delivery started so far; returns all finished deliveries. */
  async flush(): Promise<DeliveryRecord[]> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
    return [...this.#done];
  }

  #notifier(sub: Subscription): Notifier {
    let notifier = this.#notifiers.get(sub.name);
    if (notifier === undefined) {
      try {
        notifier = createNotifier(sub, this.#secrets);
      } catch (err) {
        notifier = err as Error;
      }
      this.#notifiers.set(sub.name, notifier);
    }
    if (notifier instanceof Error) {
      const error = notifier;
      return {
        kind: sub.kind,
        post: () => Promise.reject(error),
      };
    }
    return notifier;
  }
}
