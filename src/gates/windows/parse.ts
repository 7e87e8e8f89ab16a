import {
  CalendarError,
  DAYS,
  type Calendar,
  type CalendarIssue,
  type Day,
  type Freeze,
  type WeeklyRule,
} from './calendar.ts';
import { formatDays, formatHours, InvalidField, parseDates, parseDays, parseHours } from './fields.ts';
import { canonicalTimeZone } from './zone.ts';

const CALENDAR_KEYS = ['timezone', 'allow', 'deny', 'freezes'];
const RULE_KEYS = ['days', 'hours', 'reason'];
const FREEZE_KEYS = ['dates', 'reason'];
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

type Issues = CalendarIssue[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function unknownKeys(raw: Record<string, unknown>, allowed: string[], path: string, issues: Issues): void {
  for (const key of Object.keys(raw))
    if (!allowed.includes(key))
      issues.push({
        path: `${path}.${key}`,
        message: `unknown key "${key}" — expected one of: ${allowed.join(', ')}`,
      });
}

function field<T>(path: string, issues: Issues, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof InvalidField)) throw err;
    issues.push({ path, message: err.message });
    return undefined;
  }
}

function reasonOf(raw: Record<string, unknown>, path: string, issues: Issues): string | undefined {
  const reason = raw['reason'];
  if (reason === undefined) return undefined;
  if (typeof reason === 'string' && reason.trim() !== '') return reason.trim();
  issues.push({ path: `${path}.reason`, message: `expected a non-empty string, got ${show(reason)}` });
  return undefined;
}

/** `outside hours (mon-fri 09:00-16:00)` or `denied (sat,sun)`: the rule describes itself. */
function defaultReason(kind: 'allow' | 'deny', days: Day[], hours: { from: number; to: number }): string {
  const scope = [
    days.length < DAYS.length ? formatDays(days) : '',
    hours.to - hours.from !== 24 * 60 ? formatHours(hours.from, hours.to) : '',
  ].filter(Boolean);
  return kind === 'allow' ? `outside hours (${scope.join(' ')})` : `denied (${scope.join(' ')})`;
}

function parseRule(raw: unknown, path: string, id: string, kind: 'allow' | 'deny', issues: Issues) {
  if (!isObject(raw)) {
    issues.push({
      path,
      message: `expected a rule such as { days: mon-fri, hours: "09:00-16:00" }, got ${show(raw)}`,
    });
    return undefined;
  }
  unknownKeys(raw, RULE_KEYS, path, issues);
  if (raw['days'] === undefined && raw['hours'] === undefined)
    issues.push({ path, message: 'a rule needs days, hours or both' });
  const days =
    raw['days'] === undefined ? [...DAYS] : field(`${path}.days`, issues, () => parseDays(raw['days']));
  const hours =
    raw['hours'] === undefined
      ? { from: 0, to: 24 * 60 }
      : field(`${path}.hours`, issues, () => parseHours(raw['hours']));
  const reason = reasonOf(raw, path, issues);
  if (!days || !hours) return undefined;
  const rule: WeeklyRule = {
    id,
    days: Object.freeze(days),
    ...hours,
    reason: reason ?? defaultReason(kind, days, hours),
  };
  return Object.freeze(rule);
}

function parseFreeze(raw: unknown, path: string, id: string, issues: Issues) {
  if (!isObject(raw)) {
    issues.push({
      path,
      message: `expected { dates: "2026-12-20..2027-01-04", reason: … }, got ${show(raw)}`,
    });
    return undefined;
  }
  unknownKeys(raw, FREEZE_KEYS, path, issues);
  if (raw['dates'] === undefined)
    issues.push({ path, message: 'a freeze needs dates, e.g. "2026-12-20..2027-01-04"' });
  if (raw['reason'] === undefined)
    issues.push({ path, message: 'a freeze needs a reason (why deploys are frozen)' });
  const dates =
    raw['dates'] === undefined ? undefined : field(`${path}.dates`, issues, () => parseDates(raw['dates']));
  const reason = reasonOf(raw, path, issues);
  if (!dates || !reason) return undefined;
  const freeze: Freeze = { id, ...dates, reason };
  return Object.freeze(freeze);
}

function parseList<T>(
  raw: unknown,
  path: string,
  issues: Issues,
  item: (raw: unknown, path: string, index: number) => T | undefined,
): T[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    issues.push({ path, message: `expected a list, got ${show(raw)}` });
    return [];
  }
  return raw.map((r, i) => item(r, `${path}[${i}]`, i)).filter((r): r is T => r !== undefined);
}

function parseTimezone(raw: unknown, path: string, issues: Issues): string | undefined {
  if (raw === undefined) return 'UTC';
  const zone = typeof raw === 'string' ? canonicalTimeZone(raw) : undefined;
  if (!zone)
    issues.push({
      path,
      message: `unknown time zone ${show(raw)} (expected an IANA name such as Europe/Berlin)`,
    });
  return zone;
}

function collectCalendar(name: string, raw: unknown, path: string, issues: Issues): Calendar | undefined {
  if (!NAME.test(name))
    issues.push({ path, message: `"${name}" is not a window name (a letter, then letters, digits, - or _)` });
  if (!isObject(raw)) {
    issues.push({
      path,
      message: `expected a calendar { timezone, allow, deny, freezes }, got ${show(raw)}`,
    });
    return undefined;
  }
  unknownKeys(raw, CALENDAR_KEYS, path, issues);
  const calendar: Calendar = {
    name,
    timezone: parseTimezone(raw['timezone'], `${path}.timezone`, issues) ?? 'UTC',
    allow: Object.freeze(
      parseList(raw['allow'], `${path}.allow`, issues, (r, p, i) =>
        parseRule(r, p, `allow[${i}]`, 'allow', issues),
      ),
    ),
    deny: Object.freeze(
      parseList(raw['deny'], `${path}.deny`, issues, (r, p, i) =>
        parseRule(r, p, `deny[${i}]`, 'deny', issues),
      ),
    ),
    freezes: Object.freeze(
      parseList(raw['freezes'], `${path}.freezes`, issues, (r, p, i) =>
        parseFreeze(r, p, `freezes[${i}]`, issues),
      ),
    ),
  };
  return Object.freeze(calendar);
}

/**
 * Validates one calendar's raw config into a frozen Calendar; throws CalendarError listing every problem.
 * @example parseCalendar('prod', { timezone: 'Europe/Berlin', allow: [{ days: 'mon-fri', hours: '09:00-16:00' }] })
 */
export function parseCalendar(name: string, raw: unknown, path = `windows.${name}`): Calendar {
  const issues: Issues = [];
  const calendar = collectCalendar(name, raw, path, issues);
  if (issues.length > 0 || !calendar) throw new CalendarError(issues);
  return calendar;
}

/** Validates the `windows:` map of runway.yaml into frozen calendars by name; throws CalendarError listing every problem. */
export function parseWindows(raw: unknown, path = 'windows'): Readonly<Record<string, Calendar>> {
  const issues: Issues = [];
  if (!isObject(raw))
    throw new CalendarError([
      { path, message: `expected a map of window names to calendars, got ${show(raw)}` },
    ]);
  const calendars: Record<string, Calendar> = {};
  for (const [name, value] of Object.entries(raw)) {
    const calendar = collectCalendar(name, value, `${path}.${name}`, issues);
    if (calendar) calendars[name] = calendar;
  }
  if (issues.length > 0) throw new CalendarError(issues);
  return Object.freeze(calendars);
}

/** The same calendar read in another time zone (rules and freezes keep their local times); throws CalendarError for an unknown zone. */
export function withTimezone(calendar: Calendar, timezone: string): Calendar {
  const zone = canonicalTimeZone(timezone);
  if (!zone)
    throw new CalendarError([
      {
        path: 'timezone',
        message: `unknown time zone "${timezone}" (expected an IANA name such as Europe/Berlin)`,
      },
    ]);
  return Object.freeze({ ...calendar, timezone: zone });
}
