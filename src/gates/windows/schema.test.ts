import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parseWindows } from './parse.ts';
import { WINDOWS_SCHEMA } from './schema.ts';

const validate = new Ajv({ allErrors: true, strict: false }).compile(WINDOWS_SCHEMA);

const accepted = [
  {},
  { prod: {} },
  {
    prod: {
      timezone: 'Europe/Berlin',
      allow: [
        { days: 'mon-fri', hours: '09:00-16:00' },
        { days: ['Saturday'], hours: '10:00-12:00', reason: 'sat' },
      ],
      deny: [{ days: 'fri', hours: '12:00-24:00', reason: 'Friday afternoon' }, { hours: '22:00-06:00' }],
      freezes: [
        { dates: '2026-12-20..2027-01-04', reason: 'year-end freeze' },
        { dates: '2026-11-26', reason: 'thanksgiving' },
        { dates: '2026-12-24T12:00 .. 2026-12-27T08:00', reason: 'holidays' },
      ],
    },
  },
  { staging: { deny: [{ days: 'sat, sun', reason: 'weekend' }] } },
];

const rejected = [
  { '9am': {} },
  { prod: { window: 'x' } },
  { prod: { allow: [{ hours: '9-16' }] } },
  { prod: { allow: [{ reason: 'no scope' }] } },
  { prod: { deny: [{ days: [] }] } },
  { prod: { deny: [{ days: 'sat', colour: 'red' }] } },
  { prod: { freezes: [{ dates: '2026-12-20' }] } },
  { prod: { freezes: [{ dates: 'Dec 20', reason: 'x' }] } },
  { prod: { freezes: [{ dates: '2026-12-20', reason: ' ' }] } },
  { prod: { timezone: '' } },
  { prod: { allow: { hours: '09:00-16:00' } } },
];

test('the schema accepts what the parser accepts', () => {
  for (const raw of accepted) {
    assert.doesNotThrow(() => parseWindows(raw));
    assert.ok(validate(raw), JSON.stringify(validate.errors));
  }
});

test('the schema rejects shapes the parser rejects', () => {
  for (const raw of rejected) {
    assert.throws(() => parseWindows(raw), { name: 'CalendarError' }, JSON.stringify(raw));
    assert.equal(validate(raw), false, JSON.stringify(raw));
  }
});
