import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDays, formatHours, parseDates, parseDays, parseHours } from './fields.ts';

test('parseDays takes short and full names in any case, ranges, lists and arrays', () => {
  assert.deepEqual(parseDays('mon-fri'), ['mon', 'tue', 'wed', 'thu', 'fri']);
  assert.deepEqual(parseDays(['Saturday', 'SUN']), ['sat', 'sun']);
  assert.deepEqual(parseDays('fri-mon'), ['mon', 'fri', 'sat', 'sun']);
  assert.deepEqual(parseDays('wed, mon ,wed'), ['mon', 'wed']);
  assert.deepEqual(parseDays(['monday - wednesday']), ['mon', 'tue', 'wed']);
});

test('parseDays names the bad value', () => {
  assert.throws(() => parseDays(['mon', 'funday']), {
    message: '"funday" is not a day (mon..sun or monday..sunday)',
  });
  assert.throws(() => parseDays([]), { message: 'needs at least one day' });
  assert.throws(() => parseDays('mon-tue-wed'), /"mon-tue-wed" is not a day or a range/);
  assert.throws(() => parseDays(5), /expected day names such as \[mon-fri\], got 5/);
  assert.throws(() => parseDays([1]), /1 is not a day name/);
});

test('formatDays folds runs of three or more', () => {
  assert.equal(formatDays(['mon', 'tue', 'wed', 'thu', 'fri']), 'mon-fri');
  assert.equal(formatDays(['sat', 'sun']), 'sat,sun');
  assert.equal(formatDays(['mon', 'wed', 'thu', 'fri', 'sun']), 'mon,wed-fri,sun');
  assert.equal(formatDays(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), 'every day');
});

test('parseHours reads HH:MM-HH:MM with 24:00 as an end and overnight spans', () => {
  assert.deepEqual(parseHours('09:00-16:00'), { from: 540, to: 960 });
  assert.deepEqual(parseHours('12:00-24:00'), { from: 720, to: 1440 });
  assert.deepEqual(parseHours(' 9:30 - 17:45 '), { from: 570, to: 1065 });
  assert.deepEqual(parseHours('22:00-06:00'), { from: 1320, to: 360 });
  assert.equal(formatHours(540, 1440), '09:00-24:00');
});

test('parseHours rejects malformed, out-of-range and empty ranges', () => {
  assert.throws(() => parseHours('9-16'), { message: '"9-16" is not HH:MM-HH:MM' });
  assert.throws(() => parseHours('24:00-24:00'), /out of range/);
  assert.throws(() => parseHours('10:00-24:30'), /out of range/);
  assert.throws(() => parseHours('10:60-11:00'), /out of range/);
  assert.throws(() => parseHours('09:00-09:00'), /is empty: start equals end \(use 00:00-24:00/);
  assert.throws(() => parseHours(900), /expected "HH:MM-HH:MM", got 900/);
});

test('parseDates reads days, day ranges and time ranges in local time', () => {
  assert.deepEqual(parseDates('2026-12-20..2027-01-04'), {
    from: '2026-12-20T00:00',
    to: '2027-01-05T00:00',
  });
  assert.deepEqual(parseDates('2026-11-26'), { from: '2026-11-26T00:00', to: '2026-11-27T00:00' });
  assert.deepEqual(parseDates('2026-12-24T12:00..2026-12-27T08:00'), {
    from: '2026-12-24T12:00',
    to: '2026-12-27T08:00',
  });
  assert.deepEqual(parseDates('2026-12-24 12:00 .. 2026-12-24'), {
    from: '2026-12-24T12:00',
    to: '2026-12-25T00:00',
  });
});

test('parseDates rejects impossible dates, reversed ranges and lone times', () => {
  assert.throws(() => parseDates('2026-02-30'), { message: '"2026-02-30" is not a real date and time' });
  assert.throws(() => parseDates('2026-12-20T25:00..2026-12-21'), /not a real date and time/);
  assert.throws(() => parseDates('2026-12-20..2026-12-19'), /ends before it starts/);
  assert.throws(() => parseDates('2026-12-20T10:00..2026-12-20T10:00'), /ends before it starts/);
  assert.throws(() => parseDates('2026-12-24T12:00'), /is a single time; give a range/);
  assert.throws(() => parseDates('Dec 24'), /is not YYYY-MM-DD\[THH:MM\] or a range/);
  assert.throws(() => parseDates('2026-01-01..2026-01-02..2026-01-03'), /more than one "\.\."/);
});
