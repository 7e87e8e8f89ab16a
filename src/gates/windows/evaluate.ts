import type { Calendar, WindowCheck, WindowTimes } from './calendar.ts';
import { compile, nextEdge, verdictAt } from './rules.ts';
import { DAY_MS, offsetMs, wallClockMs } from './zone.ts';

/** How far `check` and `next` look ahead unless told otherwise: a year and a day. */
export const DEFAULT_HORIZON_MS = 366 * DAY_MS;

/** After the last freeze, two weeks (plus a day for zone offsets) show every state the weekly rules have. */
const WEEKLY_REPEAT_MS = 15 * DAY_MS;

function instant(at: Date): number {
  const t = at.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid date');
  return t;
}

function firstOffsetChange(zone: string, before: number, after: number, offset: number): number {
  let lo = before;
  let hi = after;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === offset) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The first instant ≥ `start` whose open state is `want`, within `horizonMs`; steps from edge to edge. */
export function seek(
  calendar: Calendar,
  start: number,
  want: boolean,
  horizonMs: number,
): number | undefined {
  const c = compile(calendar);
  const zone = calendar.timezone;
  const limit = start + horizonMs;
  let t = start;
  let offset = offsetMs(zone, t);
  const settled = Math.max(t + offset, c.lastFreezeEdge) + WEEKLY_REPEAT_MS;
  for (;;) {
    if (t > limit) return undefined;
    const local = t + offset;
    if (verdictAt(c, local).open === want) return t;
    if (local > settled) return undefined;
    const next = t + (nextEdge(c, local) - local);
    const nextOffset = offsetMs(zone, next);
    if (nextOffset === offset) {
      t = next;
    } else {
      // the zone changes offset on the way (DST): continue from the change, where local time jumps
      t = firstOffsetChange(zone, t, next, offset);
      offset = offsetMs(zone, t);
    }
  }
}

/**
 * Whether the calendar is open at `at`, why not, and until when that holds.
 * @example check(businessHours(), new Date('2026-03-07T10:00Z')) // { open: false, reason: 'weekend', rule: 'deny[0]', until: 2026-03-09T09:00Z }
 */
export function check(calendar: Calendar, at: Date, horizonMs = DEFAULT_HORIZON_MS): WindowCheck {
  const t = instant(at);
  const verdict = verdictAt(compile(calendar), wallClockMs(calendar.timezone, t));
  const until = seek(calendar, t, !verdict.open, horizonMs);
  return until === undefined ? verdict : { ...verdict, until: new Date(until) };
}

/**
 * When the calendar next opens (`at` itself if open now) and when it closes after that; each is
 * searched within `horizonMs` (closing from the opening) and absent if not found.
 */
export function next(calendar: Calendar, at: Date, horizonMs = DEFAULT_HORIZON_MS): WindowTimes {
  const opensAt = seek(calendar, instant(at), true, horizonMs);
  if (opensAt === undefined) return {};
  const closesAt = seek(calendar, opensAt, false, horizonMs);
  return closesAt === undefined
    ? { opensAt: new Date(opensAt) }
    : { opensAt: new Date(opensAt), closesAt: new Date(closesAt) };
}
