import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { businessHours } from '../gates/windows/presets.ts';
import type { IncidentRecord } from '../store/store.ts';
import { CHECKS, decide } from './release-check.ts';

const TUESDAY_10 = new Date('2026-11-24T10:00:00Z');
const SATURDAY_10 = new Date('2026-11-21T10:00:00Z');
const P1: IncidentRecord = {
  id: 'cli:1',
  service: 'podinfo',
  severity: 'P1',
  title: '5xx spike',
  source: 'cli',
  openedAt: '2026-11-24T09:00:00Z',
};
const approval = (verdicts: { verdict: 'approve' | 'reject'; approver: string }[]) => ({
  gate: 'flagger/test/podinfo',
  required: 1,
  verdicts: verdicts.map((v) => ({ ...v, at: '2026-11-24T09:30:00Z' })),
});

describe('release check for external controllers', () => {
  it('waits outside the deployment window and says when it opens', () => {
    const a = decide('start', { now: SATURDAY_10, window: businessHours(), incidents: [] });
    assert.equal(a.go, false);
    assert.match(
      a.reasons[0] ?? '',
      /^outside deployment window business-hours: .*opens 2026-11-23T09:00:00.000Z$/,
    );
    assert.equal(decide('start', { now: TUESDAY_10, window: businessHours(), incidents: [] }).go, true);
  });

  it('stops on an open P1 incident, whatever is asked, and rolls back', () => {
    for (const kind of ['start', 'traffic', 'promotion', 'health'] as const) {
      const a = decide(kind, { now: TUESDAY_10, incidents: [P1] });
      assert.deepEqual([a.go, a.reasons], [false, ['P1 incident open: cli:1 (5xx spike)']], kind);
    }
    assert.equal(decide('rollback', { now: TUESDAY_10, incidents: [P1] }).go, true);
    assert.equal(decide('rollback', { now: TUESDAY_10, incidents: [{ ...P1, severity: 'P2' }] }).go, false);
  });

  it('promotes only once enough people approved; a rejection rolls back', () => {
    const wait = decide('promotion', { now: TUESDAY_10, incidents: [], approval: approval([]) });
    assert.deepEqual(wait.reasons, ['waiting for approval (0 of 1): runway approve flagger/test/podinfo']);
    const ok = approval([{ verdict: 'approve', approver: 'po@example.com' }]);
    assert.equal(decide('promotion', { now: TUESDAY_10, incidents: [], approval: ok }).go, true);
    const no = approval([{ verdict: 'reject', approver: 'po@example.com' }]);
    assert.equal(decide('promotion', { now: TUESDAY_10, incidents: [], approval: no }).go, false);
    assert.equal(decide('rollback', { now: TUESDAY_10, incidents: [], approval: no }).go, true);
  });

  it('never lets a canary on while a P1 is open, and only rolls back for a reason', () => {
    const incident = fc.record({ severity: fc.constantFrom('P1', 'P2', 'P3', 'P4'), title: fc.string() });
    fc.assert(
      fc.property(
        fc.constantFrom(...CHECKS),
        fc.date({ min: new Date('2026-01-01'), max: new Date('2028-01-01'), noInvalidDate: true }),
        fc.array(incident, { maxLength: 3 }),
        fc.boolean(),
        (kind, now, list, windowed) => {
          const incidents = list.map((i, n) => ({ ...P1, ...i, id: `i${n}` }));
          const a = decide(kind, { now, incidents, ...(windowed ? { window: businessHours() } : {}) });
          const hasP1 = incidents.some((i) => i.severity === 'P1');
          if (kind === 'rollback') assert.equal(a.go, hasP1);
          else if (hasP1) assert.equal(a.go, false);
          assert.ok(a.go || a.reasons.length > 0, 'a wait always has a reason');
        },
      ),
    );
  });
});

describe('release check with the release gate', () => {
  it('waits until the newest release-gate decision allows, and says why not', () => {
    const none = decide('start', {
      now: TUESDAY_10,
      incidents: [],
      releaseGate: { environment: 'production' },
    });
    assert.deepEqual(none.reasons, ['no release gate decision for production yet']);
    const newest = {
      outcome: 'deny',
      evaluatedAt: '2026-11-24T09:00:00Z',
      violations: ['critical-cves: 2 critical CVEs'],
    };
    const denied = decide('promotion', {
      now: TUESDAY_10,
      incidents: [],
      releaseGate: { environment: 'production', newest },
    });
    assert.deepEqual(denied.reasons, [
      'release gate for production deny at 2026-11-24T09:00:00Z: critical-cves: 2 critical CVEs',
    ]);
    const allowed = { ...newest, outcome: 'allow', violations: [] };
    assert.equal(
      decide('start', {
        now: TUESDAY_10,
        incidents: [],
        releaseGate: { environment: 'production', newest: allowed },
      }).go,
      true,
    );
    assert.equal(
      decide('traffic', { now: TUESDAY_10, incidents: [], releaseGate: { environment: 'production' } }).go,
      true,
    );
  });
});
