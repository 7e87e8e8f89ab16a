import type { Clock } from '../engine/clock.ts';
import type { DeliveryRecord } from './delivery-record.ts';
import type { Notification } from './notification.ts';
import { NotifyError, type Notifier } from './notifier.ts';

/** The one store method deliveries need. */
export interface DeliveryLog {
  /** Inserts or replaces the delivery with this id. */
  recordDelivery(delivery: DeliveryRecord): Promise<void>;
}

/**
 * Posts a notification, trying again after a retryable failure with a delay that doubles each
 * time; every attempt is recorded before it is made and its outcome after, so the log shows a
 * delivery in flight even if the process dies. Never throws: the record says how it ended.
 */
export async function deliver(opts: {
  id: string;
  subscription: string;
  notifier: Notifier;
  notification: Notification;
  retry: { count: number; delayMs: number };
  log: DeliveryLog;
  /** Gives the time of each record and waits between attempts. */
  clock: Clock;
  signal?: AbortSignal;
}): Promise<DeliveryRecord> {
  const n = opts.notification;
  const now = () => opts.clock.now().toISOString();
  let record: DeliveryRecord = {
    id: opts.id,
    subscription: opts.subscription,
    kind: opts.notifier.kind,
    event: n.event,
    service: n.service,
    ...(n.environment !== undefined ? { environment: n.environment } : {}),
    ...(n.runId !== undefined ? { runId: n.runId } : {}),
    ...(n.rolloutId !== undefined ? { rolloutId: n.rolloutId } : {}),
    title: n.title,
    status: 'pending',
    attempts: 0,
    createdAt: now(),
    updatedAt: now(),
  };
  for (let attempt = 1; ; attempt++) {
    record = { ...record, attempts: attempt, updatedAt: now() };
    await opts.log.recordDelivery(record);
    try {
      await opts.notifier.post(n, opts.signal);
      record = { ...record, status: 'delivered', updatedAt: now() };
      delete record.error;
      await opts.log.recordDelivery(record);
      return record;
    } catch (err) {
      const retryable = err instanceof NotifyError ? err.retryable : false;
      record = { ...record, error: (err as Error).message, updatedAt: now() };
      if (!retryable || attempt > opts.retry.count || opts.signal?.aborted) {
        record = { ...record, status: 'failed' };
        await opts.log.recordDelivery(record);
        return record;
      }
      await opts.log.recordDelivery(record);
      await opts.clock.sleep(opts.retry.delayMs * 2 ** (attempt - 1), opts.signal);
    }
  }
}
