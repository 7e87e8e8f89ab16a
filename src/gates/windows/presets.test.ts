import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Clock } from '../../engine/clock.ts';
import { check } from './evaluate.ts';
import { businessHours, presetCalendars, PRESETS } from './presets.ts';

const fakeClock = (iso: string): Clock => ({ now: () => new Date(iso), sleep: async () => {} });
const bh = businessHours();

function checkAt(iso: string) {
  return check(bh, fakeClock(iso).now());
}

/** The seed's "Check deployment window" step, line for line, on a runner in UTC. */
function seedStep(at: Date): string | undefined {
  const hour = at.getUTCHours();
  const day = at.getUTCDay();
  if (day === 6 || day === 0) return 'weekend';
  if (day === 5 && hour >= 12) return 'Friday afternoon';
  if (hour < 9 || hour >= 16) return 'outside hours (09:00-16:00)';
  return undefined;
}

test('weekends are closed with reason "weekend" until Monday 09:00', () => {
  for (const iso of [
    '2026-03-07T00:00Z',
    '2026-03-07T10:00Z',
    '2026-03-08T12:00Z',
    '2026-03-08T23:59:59.999Z',
  ])
    assert.deepEqual(checkAt(iso), {
      open: false,
      reason: 'weekend',
      rule: 'deny[0]',
      until: new Date('2026-03-09T09:00Z'),
    });
});

test('Friday 11:59 is open, Friday 12:00 is "Friday afternoon"', () => {
  assert.deepEqual(checkAt('2026-03-13T11:59Z'), {
    open: true,
    rule: 'allow[0]',
    until: new Date('2026-03-13T12:00Z'),
  });
  assert.deepEqual(checkAt('2026-03-13T12:00Z'), {
    open: false,
    reason: 'Friday afternoon',
    rule: 'deny[1]',
    until: new Date('2026-03-16T09:00Z'),
  });
  assert.equal(checkAt('2026-03-13T08:59Z').reason, 'outside hours (09:00-16:00)');
  assert.equal(checkAt('2026-03-13T17:00Z').reason, 'Friday afternoon');
});

test('Tuesday 08:59 and 16:00 are outside hours, 09:00 and 15:59 are open', () => {
  const outside = { open: false, reason: 'outside hours (09:00-16:00)', rule: 'allow' };
  assert.deepEqual(checkAt('2026-03-10T08:59Z'), { ...outside, until: new Date('2026-03-10T09:00Z') });
  assert.deepEqual(checkAt('2026-03-10T09:00Z'), {
    open: true,
    rule: 'allow[0]',
    until: new Date('2026-03-10T16:00Z'),
  });
  assert.deepEqual(checkAt('2026-03-10T15:59Z'), {
    open: true,
    rule: 'allow[0]',
    until: new Date('2026-03-10T16:00Z'),
  });
  assert.deepEqual(checkAt('2026-03-10T16:00Z'), { ...outside, until: new Date('2026-03-11T09:00Z') });
});

test('business-hours agrees with the seed step at every instant (UTC runner)', () => {
  fc.assert(
    fc.property(
      fc.date({ min: new Date('2000-01-01Z'), max: new Date('2040-01-01Z'), noInvalidDate: true }),
      (at) => {
        const result = check(bh, at, 0);
        assert.equal(result.open, seedStep(at) === undefined);
        assert.equal(result.reason, seedStep(at));
      },
    ),
    { numRuns: 500 },
  );
});

test('the time zone is configurable: Tuesday 09:00 in Berlin is 08:00 UTC in winter', () => {
  const berlin = businessHours('Europe/Berlin');
  assert.equal(berlin.timezone, 'Europe/Berlin');
  assert.equal(check(berlin, new Date('2026-01-13T07:59Z')).open, false);
  assert.deepEqual(check(berlin, new Date('2026-01-13T08:00Z')), {
    open: true,
    rule: 'allow[0]',
    until: new Date('2026-01-13T15:00Z'),
  });
  assert.throws(
    () => businessHours('Nowhere/City'),
    /business-hours.timezone: unknown time zone "Nowhere\/City"/,
  );
});

test('presets are listed by name and built in UTC', () => {
  assert.deepEqual(Object.keys(PRESETS), ['business-hours']);
  assert.equal(presetCalendars()['business-hours']?.timezone, 'UTC');
});
