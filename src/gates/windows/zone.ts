import { DAYS } from './calendar.ts';

/** One minute in milliseconds. */
export const MINUTE_MS = 60_000;
/** One (24-hour) day in milliseconds. */
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical name of a time zone Intl knows (`utc` → `UTC`), or undefined if it is unknown. */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.trim() === '') return undefined;
  if (name.trim() === 'UTC') return 'UTC'; // the common case, without waking the ICU data up
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name.trim() }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * The local wall-clock time of an instant in a zone, as milliseconds since a local 1970-01-01 00:00.
 * @example wallClockMs('Europe/Berlin', Date.UTC(2026, 0, 1)) === Date.UTC(2026, 0, 1, 1)
 */
export function wallClockMs(timeZone: string, instantMs: number): number {
  const f = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(instantMs)) {
    if (part.type in f) f[part.type as keyof typeof f] = Number(part.value);
  }
  const subSecond = ((instantMs % 1000) + 1000) % 1000;
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) + subSecond;
}

/** The zone's UTC offset at an instant, in milliseconds (east positive). */
export function offsetMs(timeZone: string, instantMs: number): number {
  return wallClockMs(timeZone, instantMs) - instantMs;
}

/** Index into DAYS (Monday 0) of a local wall-clock time from `wallClockMs`. */
export function weekdayOf(localMs: number): number {
  return (((Math.floor(localMs / DAY_MS) + 3) % 7) + 7) % 7;
}

/** An instant as people in the zone read it: `mon 2026-03-09 09:00 (UTC-04:00)`. */
export function describeLocal(timeZone: string, at: Date): string {
  const local = wallClockMs(timeZone, at.getTime());
  const offset = Math.round((local - at.getTime()) / MINUTE_MS);
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const stamp = new Date(local).toISOString().slice(0, 16).replace('T', ' ');
  return `${DAYS[weekdayOf(local)]} ${stamp} (UTC${offset < 0 ? '-' : '+'}${hhmm})`;
}
