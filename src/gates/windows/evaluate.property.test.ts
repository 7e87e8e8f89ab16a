import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DAYS, type Calendar } from './calendar.ts';
import { check, next } from './evaluate.ts';
import { formatHours } from './fields.ts';
import { parseCalendar } from './parse.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Zones with DST, half-hour DST (Lord Howe), odd offsets (Kathmandu, Chatham) and southern summers. */
const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Santiago',
];

/** Instants near the 2026 offset changes of those zones, where bugs live. */
const ANCHORS = [
  '2026-03-08T07:00Z',
  '2026-11-01T06:00Z',
  '2026-03-29T01:00Z',
  '2026-10-25T01:00Z',
  '2026-04-04T15:00Z',
  '2026-10-03T15:30Z',
  '2026-04-04T14:00Z',
  '2026-09-26T14:00Z',
  '2026-04-05T03:00Z',
  '2026-09-06T04:00Z',
].map(Date.parse);

const instantArb = fc.oneof(
  fc.tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -3 * DAY, max: 3 * DAY })).map(([a, o]) => a + o),
  fc
    .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }))
    .map(([a, m]) => a + m * MINUTE),
  fc.integer({ min: Date.parse('2025-01-01Z'), max: Date.parse('2028-01-01Z') }),
);

const minuteArb = fc.oneof(
  fc.integer({ min: 0, max: 1439 }),
  fc.integer({ min: 0, max: 96 }).map((q) => q * 15),
);

const ruleArb = fc
  .record({
    days: fc.subarray([...DAYS], { minLength: 1 }),
    from: minuteArb,
    to: minuteArb.map((m) => (m === 0 ? 1440 : m)),
  })
  .filter((r) => r.from !== r.to && r.from < 1440)
  .map((r) => ({ days: r.days, hours: formatHours(r.from, r.to) }));

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/** A random calendar, built through the parser, with freezes near `at`. */
function calendarArb(at: number): fc.Arbitrary<Calendar> {
  const freezeArb = fc
    .record({
      start: fc.integer({ min: -10 * 24 * 60, max: 20 * 24 * 60 }),
      length: fc.integer({ min: 1, max: 10 * 24 * 60 }),
      reason: fc.constantFrom('year-end freeze', 'release train', 'audit'),
    })
    .map(({ start, length, reason }) => ({
      dates: `${stamp(at + start * MINUTE)}..${stamp(at + (start + length) * MINUTE)}`,
      reason,
    }));
  return fc
    .record({
      timezone: fc.constantFrom(...ZONES),
      allow: fc.array(ruleArb, { maxLength: 3 }),
      deny: fc.array(ruleArb, { maxLength: 3 }),
      freezes: fc.array(freezeArb, { maxLength: 2 }),
    })
    .map((raw) => parseCalendar('random', raw));
}

const caseArb = instantArb.chain((at) => fc.tuple(fc.constant(at), calendarArb(at)));

const nearChangeArb = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -20 * 60, max: 4 * 60 }))
  .chain(([a, m]) => fc.tuple(fc.constant(a + m * MINUTE), calendarArb(a + m * MINUTE)));

const isOpen = (cal: Calendar, t: number) => check(cal, new Date(t), 0).open;

/** `open` holds at every sampled instant of [from, to): both ends' neighbours and evenly spaced points. */
function holdsBetween(cal: Calendar, from: number, to: number, open: boolean): void {
  const samples = [
    from,
    to - 1,
    ...Array.from({ length: 24 }, (_, i) => from + Math.floor(((to - from) * i) / 24)),
  ];
  for (const t of samples)
    assert.equal(
      isOpen(cal, t),
      open,
      `expected ${open ? 'open' : 'closed'} at ${new Date(t).toISOString()}`,
    );
}

test('check and next agree: next opens at t when open, else at the first open instant', () => {
  fc.assert(
    fc.property(caseArb, ([t, cal]) => {
      const now = check(cal, new Date(t));
      const { opensAt, closesAt } = next(cal, new Date(t));
      if (now.open) {
        assert.equal(opensAt?.getTime(), t);
        assert.equal(closesAt?.getTime(), now.until?.getTime());
      } else if (opensAt) {
        assert.ok(opensAt.getTime() > t);
        assert.equal(now.until?.getTime(), opensAt.getTime());
        assert.equal(isOpen(cal, opensAt.getTime()), true);
        holdsBetween(cal, t, opensAt.getTime(), false);
      } else {
        assert.equal(now.until, undefined);
      }
      if (opensAt && closesAt) {
        assert.ok(closesAt > opensAt);
        assert.equal(isOpen(cal, closesAt.getTime()), false);
        holdsBetween(cal, opensAt.getTime(), closesAt.getTime(), true);
      }
    }),
    { numRuns: 250 },
  );
});

test('until is the first flip: a minute-by-minute walk finds no earlier one', () => {
  const span = 24 * HOUR;
  fc.assert(
    fc.property(nearChangeArb, ([at, cal]) => {
      const t = Math.floor(at / MINUTE) * MINUTE;
      const now = check(cal, new Date(t));
      let flip: number | undefined;
      for (let u = t + MINUTE; u <= t + span && flip === undefined; u += MINUTE)
        if (isOpen(cal, u) !== now.open) flip = u;
      if (flip === undefined) assert.ok(now.until === undefined || now.until.getTime() > t + span);
      else {
        assert.equal(now.until?.getTime(), flip);
        assert.equal(isOpen(cal, flip - 1), now.open);
      }
    }),
    { numRuns: 60 },
  );
});

test('closed instants explain themselves; open ones do not', () => {
  fc.assert(
    fc.property(caseArb, ([t, cal]) => {
      const result = check(cal, new Date(t), 0);
      if (result.open) assert.equal(result.reason, undefined);
      else {
        assert.ok(result.reason && result.rule);
        assert.match(result.rule, /^(freezes\[\d\]|deny\[\d\]|allow)$/);
      }
    }),
    { numRuns: 300 },
  );
});

test('deny beats allow: adding a deny rule never opens an instant, adding a freeze closes it', () => {
  fc.assert(
    fc.property(caseArb, ruleArb, ([t, cal], extra) => {
      const raw = { timezone: cal.timezone, allow: [{ hours: '00:00-24:00' }], deny: [extra] };
      const denied = parseCalendar('denied', raw);
      const base = parseCalendar('base', { ...raw, deny: [] });
      if (isOpen(denied, t)) assert.equal(isOpen(base, t), true);
      const frozen = parseCalendar('frozen', {
        timezone: cal.timezone,
        freezes: [{ dates: `${stamp(t - DAY)}..${stamp(t + DAY)}`, reason: 'frozen' }],
      });
      assert.equal(check(frozen, new Date(t), 0).reason, 'frozen');
    }),
    { numRuns: 200 },
  );
});
