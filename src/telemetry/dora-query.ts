import { DORA_ENVIRONMENT } from '../records/deployment-record.ts';
import type { Store } from '../store/store.ts';
import { doraReport, type DoraReport } from './dora.ts';

/** How far back `runway dora` looks unless told. */
export const DEFAULT_DORA_WINDOW_MS = 30 * 86_400_000;

/**
 * Computes the DORA report from the store for one service (or all) over [from, to).
 * @example await dora(store, { service: 'checkout-api', from, to: new Date() })
 */
export async function dora(
  store: Pick<Store, 'deploymentStats' | 'incidents'>,
  q: { service?: string; from: Date; to: Date },
): Promise<DoraReport> {
  const [stats, incidents] = await Promise.all([
    store.deploymentStats({
      environment: DORA_ENVIRONMENT,
      ...(q.service ? { service: q.service } : {}),
      from: q.from.toISOString(),
      to: q.to.toISOString(),
    }),
    store.incidents({ ...(q.service ? { service: q.service } : {}), limit: 100_000 }),
  ]);
  return doraReport({
    stats,
    incidents,
    ...(q.service ? { service: q.service } : {}),
    environment: DORA_ENVIRONMENT,
    from: q.from,
    to: q.to,
  });
}

/** Reads `--since`: a duration back from `now` (30d, 12h) or an ISO 8601 time. */
export function sinceOf(value: string | undefined, now: Date): Date | string {
  if (value === undefined) return new Date(now.getTime() - DEFAULT_DORA_WINDOW_MS);
  const m = /^(\d+)(h|d|w)$/.exec(value.trim());
  if (m) {
    const unit = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(m[1]) * unit);
  }
  const at = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(at.getTime())) return at;
  return `--since "${value}" is neither a duration back from now (30d, 12h, 2w) nor an ISO 8601 time`;
}
