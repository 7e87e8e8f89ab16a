import { formatDuration } from '../../engine/duration.ts';
import type { Calendar, WindowFit } from './calendar.ts';
import { check, DEFAULT_HORIZON_MS, seek } from './evaluate.ts';
import { DAY_MS } from './zone.ts';

/**
 * Whether a rollout of `durationMs` started at `at` finishes before the window closes; if not, why,
 * and `startAt`, the first instant within `horizonMs` from which one that long fits.
 * @example fits(businessHours(), new Date('2026-03-10T15:00Z'), 2 * 3600_000) // { ok: false, reason: 'the window closes at …', startAt: 2026-03-11T09:00Z }
 */
export function fits(
  calendar: Calendar,
  at: Date,
  durationMs: number,
  horizonMs = DEFAULT_HORIZON_MS,
): WindowFit {
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new RangeError(`invalid duration ${durationMs}`);
  const now = check(calendar, at, horizonMs);
  const start = at.getTime();
  const limit = start + horizonMs;
  const needed = formatDuration(durationMs);
  let reason = now.reason ?? '';
  if (now.open) {
    const closesAt = now.until?.getTime();
    if (closesAt === undefined || closesAt - start >= durationMs) return { ok: true, startAt: at };
    reason = `the window closes at ${now.until?.toISOString()}, ${formatDuration(start + durationMs - closesAt)} before a ${needed} rollout would finish`;
  }
  for (let from = now.until?.getTime(); from !== undefined && from <= limit;) {
    const opensAt = seek(calendar, from, true, limit - from);
    if (opensAt === undefined) break;
    const closesAt = seek(calendar, opensAt, false, horizonMs);
    if (closesAt === undefined || closesAt - opensAt >= durationMs)
      return { ok: false, reason, startAt: new Date(opensAt) };
    from = closesAt;
  }
  return {
    ok: false,
    reason: `${reason}; no window of ${needed} opens within ${Math.round(horizonMs / DAY_MS)} days`,
  };
}
