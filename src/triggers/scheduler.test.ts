import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../engine/clock.ts';
import type { RunStarter, StartRequest } from './run-starter.ts';
import { Scheduler } from './scheduler.ts';
import { triggerIssues } from './triggers.ts';

function fakeClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => now, sleep: async () => {}, set: (t) => (now = new Date(t)) };
}

function recorder(): RunStarter & { started: StartRequest[] } {
  const started: StartRequest[] = [];
  return { started, start: async (r) => (started.push(r), { log: 'log' }) };
}

test('a nightly schedule fires at its next time in its timezone, once', async () => {
  // 02:00 in Berlin is 01:00 UTC in winter
  const clock = fakeClock('2026-12-07T22:00:00Z');
  const starter = recorder();
  const s = new Scheduler({
    schedules: [{ cron: '0 2 * * *', timezone: 'Europe/Berlin' }],
    starter,
    clock,
    log: () => {},
  });
  assert.equal(s.next[0]?.at?.toISOString(), '2026-12-08T01:00:00.000Z');
  assert.equal(await s.tick(new Date('2026-12-08T00:59:59Z')), 0);
  assert.equal(await s.tick(new Date('2026-12-08T01:00:00Z')), 1);
  assert.equal(await s.tick(new Date('2026-12-08T01:00:30Z')), 0, 'not twice');
  assert.deepEqual(starter.started, [
    { kind: 'schedule', cron: '0 2 * * *', timezone: 'Europe/Berlin', at: new Date('2026-12-08T01:00:00Z') },
  ]);
  assert.equal(s.next[0]?.at?.toISOString(), '2026-12-09T01:00:00.000Z');
});

test('weekday schedules skip the weekend; a control plane that slept fires once, not for every missed time', async () => {
  const clock = fakeClock('2026-12-04T12:00:00Z'); // a Friday
  const starter = recorder();
  const s = new Scheduler({
    schedules: [{ cron: '30 6 * * 1-5', timezone: 'UTC' }],
    starter,
    clock,
    log: () => {},
  });
  assert.equal(s.next[0]?.at?.toISOString(), '2026-12-07T06:30:00.000Z', 'Monday');
  assert.equal(await s.tick(new Date('2026-12-10T12:00:00Z')), 1);
  assert.equal(starter.started.length, 1);
  assert.equal(s.next[0]?.at?.toISOString(), '2026-12-11T06:30:00.000Z');
});

test('a bad cron or timezone is a config issue naming the field', () => {
  assert.deepEqual(
    triggerIssues({
      schedule: [
        { cron: '0 2 * *', timezone: 'UTC' },
        { cron: '0 2 * * *', timezone: 'Mars/Olympus' },
      ],
    }).map((i) => i.path.join('.')),
    ['on.schedule.0.cron', 'on.schedule.1.timezone'],
  );
});
