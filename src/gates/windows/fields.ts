import { DAYS, type Day } from './calendar.ts';
import { DAY_MS } from './zone.ts';

/** A field value that does not parse; the message names the bad value. */
export class InvalidField extends Error {}

const FULL_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function dayIndex(name: string): number {
  const n = name.trim().toLowerCase();
  const i = Math.max(DAYS.indexOf(n as Day), FULL_NAMES.indexOf(n));
  if (i < 0) throw new InvalidField(`"${name.trim()}" is not a day (mon..sun or monday..sunday)`);
  return i;
}

/**
 * Parses days: names (`mon`, `Monday`), ranges (`mon-fri`, `fri-mon` wraps), a comma list or an array.
 * @example parseDays(['mon-wed', 'Friday']) // ['mon', 'tue', 'wed', 'fri']
 */
export function parseDays(value: unknown): Day[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items))
    throw new InvalidField(`expected day names such as [mon-fri], got ${show(value)}`);
  const picked = new Set<number>();
  for (const item of items) {
    if (typeof item !== 'string') throw new InvalidField(`${show(item)} is not a day name`);
    const [first = '', last, extra] = item.split('-');
    if (extra !== undefined) throw new InvalidField(`"${item}" is not a day or a range such as mon-fri`);
    const start = dayIndex(first);
    const end = last === undefined ? start : dayIndex(last);
    for (let i = start; ; i = (i + 1) % 7) {
      picked.add(i);
      if (i === end) break;
    }
  }
  if (picked.size === 0) throw new InvalidField('needs at least one day');
  return DAYS.filter((_, i) => picked.has(i));
}

/** Describes days compactly: `mon-fri`, `sat,sun`, `every day`. */
export function formatDays(days: readonly Day[]): string {
  if (days.length === 7) return 'every day';
  const runs: string[] = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && DAYS.indexOf(days[j + 1]!) === DAYS.indexOf(days[j]!) + 1) j++;
    runs.push(j - i >= 2 ? `${days[i]}-${days[j]}` : days.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return runs.join(',');
}

/**
 * Parses `HH:MM-HH:MM` into minutes after midnight; `24:00` may end a range, and an end before the
 * start spans midnight (`22:00-06:00`).
 * @example parseHours('09:00-16:00') // { from: 540, to: 960 }
 */
export function parseHours(value: unknown): { from: number; to: number } {
  if (typeof value !== 'string') throw new InvalidField(`expected "HH:MM-HH:MM", got ${show(value)}`);
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(value);
  if (!m) throw new InvalidField(`"${value}" is not HH:MM-HH:MM`);
  const [sh, sm, eh, em] = m.slice(1).map(Number) as [number, number, number, number];
  if (sh > 23 || sm > 59 || eh > 24 || em > 59 || (eh === 24 && em > 0))
    throw new InvalidField(`"${value}" is out of range: start 00:00..23:59, end 00:00..24:00`);
  const from = sh * 60 + sm;
  const to = eh * 60 + em;
  if (from === to)
    throw new InvalidField(`"${value}" is empty: start equals end (use 00:00-24:00 for a whole day)`);
  return { from, to };
}

/** Formats minutes after midnight as `HH:MM-HH:MM`. */
export function formatHours(from: number, to: number): string {
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${hhmm(from)}-${hhmm(to)}`;
}

function localStamp(text: string, whole: string): { ms: number; hasTime: boolean } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(text.trim());
  if (!m) throw new InvalidField(`"${whole}" is not YYYY-MM-DD[THH:MM] or a range start..end of those`);
  const [y, mo, d, h = 0, mi = 0] = m
    .slice(1)
    .map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const ms = Date.UTC(y!, mo! - 1, d!, h, mi);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d! || h > 23 || mi > 59)
    throw new InvalidField(`"${text.trim()}" is not a real date and time`);
  return { ms, hasTime: m[4] !== undefined };
}

/**
 * Parses a freeze period in local time: a date, or `start..end` of dates or `YYYY-MM-DDTHH:MM`
 * times. A date end includes that whole day; a time end is exclusive.
 * @example parseDates('2026-12-20..2027-01-04') // { from: '2026-12-20T00:00', to: '2027-01-05T00:00' }
 */
export function parseDates(value: unknown): { from: string; to: string } {
  if (typeof value !== 'string')
    throw new InvalidField(`expected a date or range such as "2026-12-20..2027-01-04", got ${show(value)}`);
  const parts = value.split('..');
  if (parts.length > 2) throw new InvalidField(`"${value}" has more than one ".."`);
  const start = localStamp(parts[0] ?? '', value);
  const end = localStamp(parts[1] ?? parts[0] ?? '', value);
  if (parts.length === 1 && start.hasTime)
    throw new InvalidField(
      `"${value}" is a single time; give a range such as ${value}..${value.slice(0, 10)}`,
    );
  const toMs = end.hasTime ? end.ms : end.ms + DAY_MS;
  if (toMs <= start.ms) throw new InvalidField(`"${value}" ends before it starts`);
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
  return { from: iso(start.ms), to: iso(toMs) };
}

/** A local wall-clock stamp from `parseDates` as milliseconds on the `wallClockMs` scale. */
export function stampMs(stamp: string): number {
  return Date.parse(`${stamp}:00Z`);
}
