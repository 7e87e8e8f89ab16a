import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, next } from './evaluate.ts';
import { parseCalendar } from './parse.ts';

const d = (iso: string) => new Date(iso);
const HOUR = 3_600_000;

const berlinYearEnd = parseCalendar('prod', {
  timezone: 'Europe/Berlin',
  deny: [
    { days: 'sat-sun', reason: 'weekend' },
    { days: 'fri', hours: '12:00-24:00', reason: 'Friday afternoon' },
  ],
  allow: [{ hours: '09:00-16:00', reason: 'outside hours (09:00-16:00)' }],
  freezes: [
    { dates: '2026-12-20..2027-01-04', reason: 'year-end freeze' },
    { dates: '2026-11-26T12:00..2026-11-27T10:00', reason: 'company offsite' },
  ],
});

test('a year-end freeze closes with its reason until the first open hour after it', () => {
  assert.deepEqual(check(berlinYearEnd, d('2026-12-22T10:00Z')), {
    open: false,
    reason: 'year-end freeze',
    rule: 'freezes[0]',
    until: d('2027-01-05T08:00Z'),
  });
  assert.deepEqual(next(berlinYearEnd, d('2026-12-22T10:00Z')), {
    opensAt: d('2027-01-05T08:00Z'),
    closesAt: d('2027-01-05T15:00Z'),
  });
  assert.equal(
    check(berlinYearEnd, d('2026-12-26T10:00Z')).reason,
    'year-end freeze',
    'freezes outrank weekends',
  );
});

test('a freeze covers whole local days: it starts and ends at local midnight', () => {
  assert.equal(check(berlinYearEnd, d('2026-12-19T22:59:59.999Z')).reason, 'weekend');
  assert.equal(check(berlinYearEnd, d('2026-12-19T23:00Z')).reason, 'year-end freeze');
  assert.equal(check(berlinYearEnd, d('2027-01-04T22:59:59.999Z')).reason, 'year-end freeze');
  assert.equal(check(berlinYearEnd, d('2027-01-04T23:00Z')).reason, 'outside hours (09:00-16:00)');
});

test('a freeze with times starts and ends at those local times', () => {
  assert.deepEqual(check(berlinYearEnd, d('2026-11-26T10:59Z')), {
    open: true,
    rule: 'allow[0]',
    until: d('2026-11-26T11:00Z'),
  });
  assert.deepEqual(check(berlinYearEnd, d('2026-11-26T11:00Z')), {
    open: false,
    reason: 'company offsite',
    rule: 'freezes[1]',
    until: d('2026-11-27T09:00Z'),
  });
  assert.deepEqual(next(berlinYearEnd, d('2026-11-26T11:00Z')), {
    opensAt: d('2026-11-27T09:00Z'),
    closesAt: d('2026-11-27T11:00Z'),
  });
});

test('overlapping allow and deny rules: deny wins, and the first matching deny names the reason', () => {
  const cal = parseCalendar('x', {
    allow: [{ days: 'mon-fri', hours: '08:00-18:00', reason: 'outside office hours' }],
    deny: [
      { days: 'mon-fri', hours: '12:00-13:00', reason: 'lunch' },
      { days: 'wed', reason: 'no-deploy Wednesday' },
      { days: 'wed', hours: '12:00-12:30', reason: 'never shown' },
    ],
  });
  assert.deepEqual(check(cal, d('2026-03-09T12:30Z')), {
    open: false,
    reason: 'lunch',
    rule: 'deny[0]',
    until: d('2026-03-09T13:00Z'),
  });
  assert.equal(check(cal, d('2026-03-11T12:15Z')).reason, 'lunch');
  assert.equal(check(cal, d('2026-03-11T10:00Z')).reason, 'no-deploy Wednesday');
  assert.deepEqual(next(cal, d('2026-03-09T11:00Z')), {
    opensAt: d('2026-03-09T11:00Z'),
    closesAt: d('2026-03-09T12:00Z'),
  });
  assert.deepEqual(next(cal, d('2026-03-09T12:15Z')), {
    opensAt: d('2026-03-09T13:00Z'),
    closesAt: d('2026-03-09T18:00Z'),
  });
  assert.deepEqual(next(cal, d('2026-03-10T19:00Z')), {
    opensAt: d('2026-03-12T08:00Z'),
    closesAt: d('2026-03-12T12:00Z'),
  });
});

test('overlapping and adjacent allow rules form one window; outside all of them every reason shows', () => {
  const cal = parseCalendar('x', {
    allow: [
      { days: 'mon', hours: '09:00-12:00', reason: 'morning only' },
      { days: 'mon', hours: '11:00-14:00', reason: 'midday only' },
      { days: 'mon', hours: '14:00-15:00', reason: 'morning only' },
    ],
  });
  assert.deepEqual(next(cal, d('2026-03-09T08:00Z')), {
    opensAt: d('2026-03-09T09:00Z'),
    closesAt: d('2026-03-09T15:00Z'),
  });
  assert.equal(check(cal, d('2026-03-09T11:30Z')).rule, 'allow[0]');
  assert.deepEqual(check(cal, d('2026-03-09T15:00Z')), {
    open: false,
    reason: 'morning only; midday only',
    rule: 'allow',
    until: d('2026-03-16T09:00Z'),
  });
});

test('a rule spanning midnight continues into the next day', () => {
  const cal = parseCalendar('night', { allow: [{ days: 'fri', hours: '22:00-02:00' }] });
  assert.equal(cal.allow[0]?.reason, 'outside hours (fri 22:00-02:00)');
  assert.equal(check(cal, d('2026-03-13T21:59Z')).open, false);
  assert.deepEqual(check(cal, d('2026-03-13T22:00Z')), {
    open: true,
    rule: 'allow[0]',
    until: d('2026-03-14T02:00Z'),
  });
  assert.equal(check(cal, d('2026-03-14T01:59Z')).open, true);
  assert.equal(check(cal, d('2026-03-13T01:00Z')).open, false, "Thursday's night is not Friday's");
  assert.equal(check(cal, d('2026-03-14T23:00Z')).open, false);
});

test('without allow rules everything not denied is open', () => {
  const cal = parseCalendar('weekdays', { deny: [{ days: 'sat,sun', reason: 'weekend' }] });
  assert.deepEqual(check(cal, d('2026-03-10T03:00Z')), { open: true, until: d('2026-03-14T00:00Z') });
  const always = parseCalendar('always', {});
  assert.deepEqual(check(always, d('2026-03-10T03:00Z')), { open: true });
  assert.deepEqual(next(always, d('2026-03-10T03:00Z')), { opensAt: d('2026-03-10T03:00Z') });
});

test('a calendar that never opens has no opening and no end to being closed', () => {
  const never = parseCalendar('never', {
    allow: [{ days: 'sat' }],
    deny: [{ days: 'fri-sun', reason: 'closed' }],
  });
  const started = performance.now();
  assert.deepEqual(check(never, d('2026-03-10T03:00Z')), {
    open: false,
    reason: 'outside hours (sat)',
    rule: 'allow',
  });
  assert.deepEqual(next(never, d('2026-03-10T03:00Z')), {});
  assert.ok(performance.now() - started < 500, 'stops after the weekly pattern has repeated');
});

test('the horizon bounds how far next and until look', () => {
  const cal = parseCalendar('x', { allow: [{ days: 'mon', hours: '09:00-10:00' }] });
  assert.deepEqual(next(cal, d('2026-03-10T00:00Z'), 24 * HOUR), {});
  assert.deepEqual(next(cal, d('2026-03-10T00:00Z'), 6 * 24 * HOUR + 9 * HOUR), {
    opensAt: d('2026-03-16T09:00Z'),
    closesAt: d('2026-03-16T10:00Z'),
  });
  assert.deepEqual(check(cal, d('2026-03-10T00:00Z'), 0), {
    open: false,
    reason: 'outside hours (mon 09:00-10:00)',
    rule: 'allow',
  });
});

test('instants keep their milliseconds; invalid dates are rejected', () => {
  const cal = parseCalendar('x', { allow: [{ hours: '09:00-16:00' }] });
  assert.deepEqual(next(cal, d('2026-03-10T08:59:59.999Z')).opensAt, d('2026-03-10T09:00Z'));
  assert.deepEqual(check(cal, d('2026-03-10T15:59:59.999Z')).until, d('2026-03-10T16:00Z'));
  assert.throws(() => check(cal, new Date(Number.NaN)), RangeError);
  assert.throws(() => next(cal, new Date('nope')), RangeError);
});
