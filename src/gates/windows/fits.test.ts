import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fits } from './fits.ts';
import { parseCalendar } from './parse.ts';
import { businessHours } from './presets.ts';

const d = (iso: string) => new Date(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const bh = businessHours();

test('a rollout that finishes before the window closes fits now', () => {
  assert.deepEqual(fits(bh, d('2026-03-10T10:00Z'), 2 * HOUR), { ok: true, startAt: d('2026-03-10T10:00Z') });
  assert.deepEqual(
    fits(bh, d('2026-03-10T09:00Z'), 7 * HOUR),
    { ok: true, startAt: d('2026-03-10T09:00Z') },
    'ends at 16:00',
  );
  assert.deepEqual(fits(bh, d('2026-03-10T10:00Z'), 0), { ok: true, startAt: d('2026-03-10T10:00Z') });
});

test('a rollout that would outlast the window says by how much and when one can start', () => {
  assert.deepEqual(fits(bh, d('2026-03-10T15:00Z'), 2 * HOUR), {
    ok: false,
    reason: 'the window closes at 2026-03-10T16:00:00.000Z, 1h00m before a 2h00m rollout would finish',
    startAt: d('2026-03-11T09:00Z'),
  });
  const friday = fits(bh, d('2026-03-13T10:00Z'), 3 * HOUR);
  assert.equal(friday.ok, false);
  assert.deepEqual(friday.startAt, d('2026-03-16T09:00Z'), 'Friday closes at noon, so Monday');
});

test('when closed, the reason is why, and startAt the first window long enough', () => {
  assert.deepEqual(fits(bh, d('2026-03-07T10:00Z'), 45 * MINUTE), {
    ok: false,
    reason: 'weekend',
    startAt: d('2026-03-09T09:00Z'),
  });
  assert.deepEqual(
    fits(bh, d('2026-03-12T17:00Z'), 4 * HOUR).startAt,
    d('2026-03-16T09:00Z'),
    'not Friday morning',
  );
});

test('a rollout longer than any window never fits', () => {
  assert.deepEqual(fits(bh, d('2026-03-07T10:00Z'), 8 * HOUR), {
    ok: false,
    reason: 'weekend; no window of 8h00m opens within 366 days',
  });
  assert.throws(() => fits(bh, d('2026-03-07T10:00Z'), -1), /invalid duration -1/);
});

test('the repeated hour of a fall-back night makes that night the only one long enough', () => {
  const night = parseCalendar('night', { timezone: 'Europe/Berlin', allow: [{ hours: '01:30-03:30' }] });
  assert.deepEqual(fits(night, d('2026-10-20T12:00Z'), 150 * MINUTE), {
    ok: false,
    reason: 'outside hours (01:30-03:30)',
    startAt: d('2026-10-24T23:30Z'),
  });
});
