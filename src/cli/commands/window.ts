import { systemClock, type Clock } from '../../engine/clock.ts';
import type { Calendar } from '../../gates/windows/calendar.ts';
import { check, DEFAULT_HORIZON_MS, next } from '../../gates/windows/evaluate.ts';
import { parseWindows, withTimezone } from '../../gates/windows/parse.ts';
import { presetCalendars } from '../../gates/windows/presets.ts';
import { canonicalTimeZone, describeLocal } from '../../gates/windows/zone.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { FILE_FLAG, instantFlag, JSON_FLAG, parse, pipelineFile } from '../setup.ts';
import { existsSync } from 'node:fs';
import { loadPipeline } from '../../config/load.ts';

/** Where `runway window` finds calendars by name: the presets, and runway.yaml's `windows:` when given. */
export type CalendarLookup = (io: Io, file: string | undefined) => Readonly<Record<string, Calendar>>;

const USAGE = 'runway window check|next NAME [-f runway.yaml] [--at ISO-TIME] [--tz ZONE] [--json]';
const SUBCOMMANDS = ['check', 'next'];
function calendarNamed(name: string | undefined, calendars: Readonly<Record<string, Calendar>>, tz?: string) {
  const names = Object.keys(calendars).join(', ');
  if (name === undefined) throw new UsageError(`a window name is needed — expected one of: ${names}`);
  const calendar = calendars[name];
  if (!calendar) throw new UsageError(`unknown window "${name}" — expected one of: ${names}`);
  if (tz === undefined) return calendar;
  if (!canonicalTimeZone(tz))
    throw new UsageError(`--tz: unknown time zone "${tz}" (expected an IANA name such as Europe/Berlin)`);
  return withTimezone(calendar, tz);
}

function line(io: Io, label: string, calendar: Calendar, at: Date | undefined): string {
  const when = at
    ? `${at.toISOString()}  ${describeLocal(calendar.timezone, at)}`
    : `not within ${DEFAULT_HORIZON_MS / 86_400_000} days`;
  return `  ${paint(io, 'dim', label.padEnd(7))}${when}\n`;
}

function printCheck(io: Io, calendar: Calendar, at: Date, json: boolean): number {
  const result = check(calendar, at);
  const header = `${paint(io, 'bold', calendar.name)} (${calendar.timezone})`;
  if (json) {
    const body = { window: calendar.name, timezone: calendar.timezone, at, ...result };
    io.out(`${JSON.stringify(body, null, 2)}\n`);
  } else if (result.open) {
    io.out(`${paint(io, 'green', '✔')} ${header} is open\n`);
    io.out(line(io, 'at', calendar, at) + line(io, 'closes', calendar, result.until));
  } else {
    const rule = paint(io, 'dim', `(${result.rule})`);
    io.out(`${paint(io, 'red', '✖')} ${header} is closed: ${result.reason} ${rule}\n`);
    io.out(line(io, 'at', calendar, at) + line(io, 'opens', calendar, result.until));
  }
  return result.open ? EXIT.ok : EXIT.failed;
}

function printNext(io: Io, calendar: Calendar, at: Date, json: boolean): number {
  const times = next(calendar, at);
  if (json) {
    const body = { window: calendar.name, timezone: calendar.timezone, at, ...times };
    io.out(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    io.out(`${paint(io, 'bold', calendar.name)} (${calendar.timezone})\n`);
    io.out(line(io, 'from', calendar, at) + line(io, 'opens', calendar, times.opensAt));
    if (times.opensAt) io.out(line(io, 'closes', calendar, times.closesAt));
  }
  return times.opensAt ? EXIT.ok : EXIT.failed;
}

/** Builds `runway window` over a calendar lookup and a clock (both injectable for tests). */
export function windowCommand(lookup: CalendarLookup, clock: Clock = systemClock) {
  return async function run(args: string[], io: Io): Promise<number> {
    const flags = { ...JSON_FLAG, ...FILE_FLAG, at: { type: 'string' }, tz: { type: 'string' } } as const;
    const { values, positionals } = parse(args, flags);
    const [sub, name, ...extra] = positionals;
    if (sub === undefined || !SUBCOMMANDS.includes(sub)) {
      const what = sub === undefined ? 'a subcommand is needed' : `unknown subcommand "${sub}"`;
      throw new UsageError(`${what} — expected one of: ${SUBCOMMANDS.join(', ')}; usage: ${USAGE}`);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" — usage: ${USAGE}`);
    const calendar = calendarNamed(name, lookup(io, values.file), values.tz);
    const at = instantFlag(values.at, clock, '--at');
    const json = values.json ?? false;
    return sub === 'check' ? printCheck(io, calendar, at, json) : printNext(io, calendar, at, json);
  };
}

/** `runway window check|next NAME`: is a deployment window open now (or `--at`), and when it next opens and closes. */
/** Presets, overridden by the pipeline's calendars (from `-f`, or ./runway.yaml when it exists). */
export function calendarsFor(io: Io, file: string | undefined): Readonly<Record<string, Calendar>> {
  const path = pipelineFile(io, file);
  if (file === undefined && !existsSync(path)) return presetCalendars();
  return { ...presetCalendars(), ...parseWindows(loadPipeline(path).windows) };
}

export const run = windowCommand(calendarsFor);
