import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalTimeZone, describeLocal, offsetMs, wallClockMs, weekdayOf } from './zone.ts';

const HOUR = 3_600_000;

test('wallClockMs reads local wall-clock time, keeping milliseconds', () => {
  assert.equal(
    wallClockMs('UTC', Date.parse('2026-03-10T10:20:30.456Z')),
    Date.parse('2026-03-10T10:20:30.456Z'),
  );
  assert.equal(
    wallClockMs('Europe/Berlin', Date.parse('2026-01-15T23:30Z')),
    Date.parse('2026-01-16T00:30Z'),
  );
  assert.equal(
    wallClockMs('Europe/Berlin', Date.parse('2026-07-15T12:00Z')),
    Date.parse('2026-07-15T14:00Z'),
  );
  assert.equal(
    wallClockMs('Asia/Kathmandu', Date.parse('2026-07-15T12:00Z')),
    Date.parse('2026-07-15T17:45Z'),
  );
  assert.equal(
    wallClockMs('UTC', Date.parse('1969-12-31T23:59:59.250Z')),
    Date.parse('1969-12-31T23:59:59.250Z'),
  );
});

test('offsetMs follows DST: New York and Berlin in 2026', () => {
  assert.equal(offsetMs('America/New_York', Date.parse('2026-03-08T06:59:59Z')), -5 * HOUR);
  assert.equal(offsetMs('America/New_York', Date.parse('2026-03-08T07:00Z')), -4 * HOUR);
  assert.equal(offsetMs('America/New_York', Date.parse('2026-11-01T05:59:59Z')), -4 * HOUR);
  assert.equal(offsetMs('America/New_York', Date.parse('2026-11-01T06:00Z')), -5 * HOUR);
  assert.equal(offsetMs('Europe/Berlin', Date.parse('2026-03-29T00:59:59Z')), HOUR);
  assert.equal(offsetMs('Europe/Berlin', Date.parse('2026-03-29T01:00Z')), 2 * HOUR);
  assert.equal(offsetMs('Europe/Berlin', Date.parse('2026-10-25T01:00Z')), HOUR);
});

test('weekdayOf counts from Monday, before and after 1970', () => {
  assert.equal(weekdayOf(Date.parse('2026-03-09T00:00Z')), 0);
  assert.equal(weekdayOf(Date.parse('2026-03-08T23:59Z')), 6);
  assert.equal(weekdayOf(Date.parse('1970-01-01T00:00Z')), 3);
  assert.equal(weekdayOf(Date.parse('1969-12-29T12:00Z')), 0);
});

test('canonicalTimeZone accepts IANA names in any case and rejects unknown ones', () => {
  assert.equal(canonicalTimeZone('utc'), 'UTC');
  assert.equal(canonicalTimeZone('Europe/Berlin'), 'Europe/Berlin');
  assert.equal(canonicalTimeZone('Europe/Berln'), undefined);
  assert.equal(canonicalTimeZone(''), undefined);
});

test('describeLocal shows the local day, time and offset', () => {
  assert.equal(
    describeLocal('America/New_York', new Date('2026-03-09T13:00Z')),
    'mon 2026-03-09 09:00 (UTC-04:00)',
  );
  assert.equal(
    describeLocal('Asia/Kathmandu', new Date('2026-03-09T03:15Z')),
    'mon 2026-03-09 09:00 (UTC+05:45)',
  );
  assert.equal(describeLocal('UTC', new Date('2026-03-07T10:00Z')), 'sat 2026-03-07 10:00 (UTC+00:00)');
});
