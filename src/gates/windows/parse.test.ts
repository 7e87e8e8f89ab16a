import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CalendarError } from './calendar.ts';
import { parseCalendar, parseWindows, withTimezone } from './parse.ts';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CalendarError);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a CalendarError');
}

test('parseCalendar normalizes rules, freezes and the time zone into a frozen calendar', () => {
  const cal = parseCalendar('prod', {
    timezone: 'europe/berlin',
    allow: [{ days: 'Mon-Fri', hours: '09:00-16:00' }],
    deny: [{ days: ['fri'], hours: '12:00-24:00', reason: 'Friday afternoon' }, { hours: '22:00-06:00' }],
    freezes: [{ dates: '2026-12-20..2027-01-04', reason: 'year-end freeze' }],
  });
  assert.deepEqual(cal, {
    name: 'prod',
    timezone: 'Europe/Berlin',
    allow: [
      {
        id: 'allow[0]',
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        from: 540,
        to: 960,
        reason: 'outside hours (mon-fri 09:00-16:00)',
      },
    ],
    deny: [
      { id: 'deny[0]', days: ['fri'], from: 720, to: 1440, reason: 'Friday afternoon' },
      {
        id: 'deny[1]',
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        from: 1320,
        to: 360,
        reason: 'denied (22:00-06:00)',
      },
    ],
    freezes: [
      { id: 'freezes[0]', from: '2026-12-20T00:00', to: '2027-01-05T00:00', reason: 'year-end freeze' },
    ],
  });
  assert.ok(Object.isFrozen(cal) && Object.isFrozen(cal.allow) && Object.isFrozen(cal.allow[0]));
  assert.ok(Object.isFrozen(cal.allow[0]?.days) && Object.isFrozen(cal.freezes[0]));
});

test('an empty calendar is UTC and always open by construction', () => {
  assert.deepEqual(parseCalendar('any', {}), {
    name: 'any',
    timezone: 'UTC',
    allow: [],
    deny: [],
    freezes: [],
  });
});

test('parseCalendar lists every problem with its field path', () => {
  const issues = issuesOf(() =>
    parseCalendar('prod', {
      timezone: 'Europe/Berln',
      allow: [{ days: ['mon', 'funday'], hours: '9-16' }, {}, 'weekdays'],
      deny: { days: 'sat' },
      freezes: [{ dates: '2026-12-20..2026-12-19' }, { dates: '2026-02-30', reason: ' ', until: 'x' }],
      windows: [],
    }),
  );
  assert.deepEqual(issues, [
    'windows.prod.windows: unknown key "windows" — expected one of: timezone, allow, deny, freezes',
    'windows.prod.timezone: unknown time zone "Europe/Berln" (expected an IANA name such as Europe/Berlin)',
    'windows.prod.allow[0].days: "funday" is not a day (mon..sun or monday..sunday)',
    'windows.prod.allow[0].hours: "9-16" is not HH:MM-HH:MM',
    'windows.prod.allow[1]: a rule needs days, hours or both',
    'windows.prod.allow[2]: expected a rule such as { days: mon-fri, hours: "09:00-16:00" }, got "weekdays"',
    'windows.prod.deny: expected a list, got {"days":"sat"}',
    'windows.prod.freezes[0]: a freeze needs a reason (why deploys are frozen)',
    'windows.prod.freezes[0].dates: "2026-12-20..2026-12-19" ends before it starts',
    'windows.prod.freezes[1].until: unknown key "until" — expected one of: dates, reason',
    'windows.prod.freezes[1].dates: "2026-02-30" is not a real date and time',
    'windows.prod.freezes[1].reason: expected a non-empty string, got " "',
  ]);
});

test('the error message carries one line per problem', () => {
  assert.throws(() => parseCalendar('prod', { allow: [{ hours: '9-16' }], timezone: 3 }), {
    name: 'CalendarError',
    message:
      'windows.prod.timezone: unknown time zone 3 (expected an IANA name such as Europe/Berlin)\n' +
      'windows.prod.allow[0].hours: "9-16" is not HH:MM-HH:MM',
  });
});

test('parseWindows parses every calendar and checks names', () => {
  const windows = parseWindows({ prod: { timezone: 'UTC' }, staging: {} });
  assert.deepEqual(Object.keys(windows), ['prod', 'staging']);
  assert.ok(Object.isFrozen(windows));
  assert.deepEqual(
    issuesOf(() => parseWindows({ '9am': {}, prod: null, ok: { deny: [{ days: 'sun', colour: 'red' }] } })),
    [
      'windows.9am: "9am" is not a window name (a letter, then letters, digits, - or _)',
      'windows.prod: expected a calendar { timezone, allow, deny, freezes }, got null',
      'windows.ok.deny[0].colour: unknown key "colour" — expected one of: days, hours, reason',
    ],
  );
  assert.deepEqual(
    issuesOf(() => parseWindows(['prod'])),
    ['windows: expected a map of window names to calendars, got ["prod"]'],
  );
});

test('withTimezone re-reads the same rules in another zone and rejects unknown zones', () => {
  const cal = parseCalendar('x', { allow: [{ hours: '09:00-16:00' }] });
  const ny = withTimezone(cal, 'America/New_York');
  assert.equal(ny.timezone, 'America/New_York');
  assert.equal(ny.allow, cal.allow);
  assert.ok(Object.isFrozen(ny));
  assert.deepEqual(
    issuesOf(() => withTimezone(cal, 'Mars/Olympus')),
    ['timezone: unknown time zone "Mars/Olympus" (expected an IANA name such as Europe/Berlin)'],
  );
});
