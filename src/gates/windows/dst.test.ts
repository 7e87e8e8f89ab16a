import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Calendar } from './calendar.ts';
import { check, next } from './evaluate.ts';
import { parseCalendar } from './parse.ts';
import { businessHours } from './presets.ts';

const d = (iso: string) => new Date(iso);
const MINUTE = 60_000;

function daily(timezone: string, hours: string): Calendar {
  return parseCalendar('daily', { timezone, allow: [{ hours }] });
}

/** Every open period that starts and ends in [from, to), found by chaining `next`. */
function windowsBetween(cal: Calendar, from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = d(from); t < d(to);) {
    const { opensAt, closesAt } = next(cal, t);
    if (!opensAt || !closesAt || closesAt > d(to)) break;
    out.push(`${opensAt.toISOString().slice(0, 16)}..${closesAt.toISOString().slice(0, 16)}`);
    t = closesAt;
  }
  return out;
}

/** The same periods found by asking `check` minute by minute: the slow, obvious oracle. */
function windowsByMinute(cal: Calendar, from: string, to: string): string[] {
  const out: string[] = [];
  let opened: number | undefined;
  for (let t = d(from).getTime(); t <= d(to).getTime(); t += MINUTE) {
    const open = check(cal, new Date(t), 0).open;
    if (open && opened === undefined) opened = t;
    if (!open && opened !== undefined) {
      out.push(`${new Date(opened).toISOString().slice(0, 16)}..${new Date(t).toISOString().slice(0, 16)}`);
      opened = undefined;
    }
  }
  return out;
}

test('New York spring-forward (2026-03-08): 01:30-03:30 is one real hour', () => {
  const cal = daily('America/New_York', '01:30-03:30');
  assert.deepEqual(next(cal, d('2026-03-08T00:00Z')), {
    opensAt: d('2026-03-08T06:30Z'),
    closesAt: d('2026-03-08T07:30Z'),
  });
  assert.deepEqual(check(cal, d('2026-03-08T06:59:59.999Z')), {
    open: true,
    rule: 'allow[0]',
    until: d('2026-03-08T07:30Z'),
  });
  assert.equal(check(cal, d('2026-03-08T07:00Z')).open, true, '03:00 EDT follows 01:59:59 EST');
});

test('New York spring-forward: a window inside the skipped hour does not happen that day', () => {
  const skipped = daily('America/New_York', '02:00-03:00');
  assert.deepEqual(check(skipped, d('2026-03-08T06:00Z')), {
    open: false,
    reason: 'outside hours (02:00-03:00)',
    rule: 'allow',
    until: d('2026-03-09T06:00Z'),
  });
  const straddling = daily('America/New_York', '02:30-04:00');
  assert.deepEqual(next(straddling, d('2026-03-08T06:00Z')), {
    opensAt: d('2026-03-08T07:00Z'),
    closesAt: d('2026-03-08T08:00Z'),
  });
});

test('New York fall-back (2026-11-01): the repeated hour is covered twice', () => {
  const cal = daily('America/New_York', '01:30-03:30');
  assert.deepEqual(windowsBetween(cal, '2026-11-01T00:00Z', '2026-11-01T12:00Z'), [
    '2026-11-01T05:30..2026-11-01T06:00',
    '2026-11-01T06:30..2026-11-01T08:30',
  ]);
  assert.deepEqual(check(cal, d('2026-11-01T06:00Z')), {
    open: false,
    reason: 'outside hours (01:30-03:30)',
    rule: 'allow',
    until: d('2026-11-01T06:30Z'),
  });
  const repeated = daily('America/New_York', '01:00-02:00');
  assert.deepEqual(next(repeated, d('2026-11-01T04:00Z')), {
    opensAt: d('2026-11-01T05:00Z'),
    closesAt: d('2026-11-01T07:00Z'),
  });
});

test('Berlin spring-forward (2026-03-29) and fall-back (2026-10-25) for 01:30-03:30', () => {
  const cal = daily('Europe/Berlin', '01:30-03:30');
  assert.deepEqual(next(cal, d('2026-03-28T22:00Z')), {
    opensAt: d('2026-03-29T00:30Z'),
    closesAt: d('2026-03-29T01:30Z'),
  });
  assert.deepEqual(next(cal, d('2026-10-24T20:00Z')), {
    opensAt: d('2026-10-24T23:30Z'),
    closesAt: d('2026-10-25T02:30Z'),
  });
  assert.deepEqual(check(cal, d('2026-10-25T01:00Z')), {
    open: true,
    rule: 'allow[0]',
    until: d('2026-10-25T02:30Z'),
  });
});

test('business-hours opens at local 09:00 the Monday after each change', () => {
  const ny = businessHours('America/New_York');
  assert.deepEqual(check(ny, d('2026-03-06T14:00Z')).open, true, 'Friday 09:00 EST');
  assert.deepEqual(check(ny, d('2026-03-07T15:00Z')), {
    open: false,
    reason: 'weekend',
    rule: 'deny[0]',
    until: d('2026-03-09T13:00Z'),
  });
  assert.deepEqual(next(ny, d('2026-03-07T15:00Z')), {
    opensAt: d('2026-03-09T13:00Z'),
    closesAt: d('2026-03-09T20:00Z'),
  });
  assert.deepEqual(next(ny, d('2026-10-31T15:00Z')), {
    opensAt: d('2026-11-02T14:00Z'),
    closesAt: d('2026-11-02T21:00Z'),
  });
  const berlin = businessHours('Europe/Berlin');
  assert.deepEqual(next(berlin, d('2026-03-27T12:00Z')), {
    opensAt: d('2026-03-30T07:00Z'),
    closesAt: d('2026-03-30T14:00Z'),
  });
  assert.deepEqual(next(berlin, d('2026-10-24T12:00Z')), {
    opensAt: d('2026-10-26T08:00Z'),
    closesAt: d('2026-10-26T15:00Z'),
  });
  assert.equal(check(berlin, d('2026-03-30T06:59:59.999Z')).reason, 'outside hours (09:00-16:00)');
});

test('next agrees with a minute-by-minute walk across all four changes', () => {
  const days = [
    ['America/New_York', '2026-03-07T12:00Z', '2026-03-09T12:00Z'],
    ['America/New_York', '2026-10-31T12:00Z', '2026-11-02T12:00Z'],
    ['Europe/Berlin', '2026-03-28T00:00Z', '2026-03-30T00:00Z'],
    ['Europe/Berlin', '2026-10-24T00:00Z', '2026-10-26T00:00Z'],
  ] as const;
  for (const [zone, from, to] of days) {
    for (const hours of ['01:30-03:30', '02:00-03:00', '00:30-02:30', '22:00-02:15']) {
      const cal = daily(zone, hours);
      assert.deepEqual(
        windowsBetween(cal, from, to),
        windowsByMinute(cal, from, to),
        `${zone} ${hours} ${from}`,
      );
    }
  }
});
