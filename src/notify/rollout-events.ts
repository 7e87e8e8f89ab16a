/*
 * The control plane's side of telling people: a rollout's notify intents (started, paused,
 * promoted, completed, rolled back, aborted) go to the subscriptions of the pipeline whose run
 * asked for the rollout, with the rollout's start time, duration and abort reason.
 */
import type { RolloutRecord } from '../deploy/records.ts';
import type { Clock } from '../engine/clock.ts';
import type { NotifyEvent } from '../rollout/actions.ts';
import type { RunRecord } from '../store/store.ts';
import type { DeliveryRecord } from './delivery-record.ts';
import type { DeliveryLog } from './delivery.ts';
import { formatDuration, type NotifyEventName } from './notification.ts';
import { Notifications } from './notifications.ts';
import { configuredSubscriptions } from './subscription.ts';

const EVENTS: Record<NotifyEvent, NotifyEventName> = {
  started: 'rollout.started',
  retried: 'rollout.started',
  'waiting-for-promotion': 'rollout.paused',
  'analysis-inconclusive': 'rollout.paused',
  paused: 'rollout.paused',
  promoted: 'rollout.promoted',
  completed: 'rollout.completed',
  'rolled-back': 'rollout.rolled-back',
  aborted: 'rollout.aborted',
};

/** Publishes rollout notifications for the control plane. */
export class RolloutNotifications {
  readonly #store: DeliveryLog & { getRun(id: number): Promise<RunRecord | undefined> };
  readonly #clock: Clock;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #byRun = new Map<number, Promise<Notifications | undefined>>();
  readonly #shas = new Map<number, string>();
  readonly #pending = new Set<Promise<unknown>>();

  constructor(opts: {
    store: DeliveryLog & { getRun(id: number): Promise<RunRecord | undefined> };
    clock: Clock;
    /** Where declared secrets (webhook URLs, signing keys) are read from: the control plane's environment. */
    env: Readonly<Record<string, string | undefined>>;
  }) {
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#env = opts.env;
  }

  /** Tells the subscribers of the rollout's pipeline; never throws (deliveries are logged). */
  notify(rollout: RolloutRecord, event: NotifyEvent, detail: string): void {
    if (rollout.runId === undefined) return;
    const p = this.#notificationsOf(rollout.runId).then((notifications) => {
      if (!notifications) return;
      const s = rollout.state;
      const now = this.#clock.now();
      const durationMs = now.getTime() - Date.parse(s.startedAt);
      const name = EVENTS[event];
      const reason = name === 'rollout.rolled-back' || name === 'rollout.aborted' ? s.abortReason : undefined;
      notifications.publish({
        event: name,
        title: `${rollout.service}: ${detail}${name === 'rollout.started' ? '' : ` (${formatDuration(durationMs)} since start)`}`,
        text: reason ? `reason: ${reason}` : '',
        service: rollout.service,
        environment: rollout.environment,
        runId: rollout.runId!,
        rolloutId: rollout.id,
        ...(this.#shas.has(rollout.runId!) ? { sha: this.#shas.get(rollout.runId!)! } : {}),
        ...(reason ? { reason } : {}),
        startedAt: s.startedAt,
        durationMs,
        at: now.toISOString(),
      });
    });
    this.#track(p.catch(() => undefined));
  }

  /** Tells the rollout's subscribers that the control plane lost the data plane serving it. */
  dataPlaneLost(rollout: RolloutRecord, detail: string): void {
    if (rollout.runId === undefined) return;
    const p = this.#notificationsOf(rollout.runId).then((notifications) => {
      notifications?.publish({
        event: 'data-plane.lost',
        title: `${rollout.service}: lost the data plane of ${rollout.environment} during rollout ${rollout.id}`,
        text: detail,
        reason: detail,
        service: rollout.service,
        environment: rollout.environment,
        runId: rollout.runId!,
        rolloutId: rollout.id,
        startedAt: rollout.state.startedAt,
        at: this.#clock.now().toISOString(),
      });
    });
    this.#track(p.catch(() => undefined));
  }

  /** Waits for every delivery started so far (a control plane that stops). */
  async flush(): Promise<DeliveryRecord[]> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    const all = await Promise.all([...this.#byRun.values()]);
    return (await Promise.all(all.map((n) => n?.flush() ?? []))).flat();
  }

  #track(p: Promise<unknown>): void {
    this.#pending.add(p);
    void p.then(() => this.#pending.delete(p));
  }

  #notificationsOf(runId: number): Promise<Notifications | undefined> {
    let found = this.#byRun.get(runId);
    if (!found) {
      found = this.#store.getRun(runId).then((run) => {
        if (run?.context.sha) this.#shas.set(runId, run.context.sha);
        const secrets: Record<string, string> = {};
        for (const [name, source] of Object.entries(run?.pipeline.secrets ?? {})) {
          const value = source.env === undefined ? undefined : this.#env[source.env];
          if (value) secrets[name] = value;
        }
        const subscriptions = configuredSubscriptions(
          run?.pipeline.notifications ?? {},
          run?.pipeline.secrets ?? {},
          secrets,
        );
        if (Object.keys(subscriptions).length === 0) return undefined;
        return new Notifications({ subscriptions, secrets, log: this.#store, clock: this.#clock });
      });
      this.#byRun.set(runId, found);
    }
    return found;
  }
}
