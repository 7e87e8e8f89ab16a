import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pendingActions } from './pending.ts';
import { tier1 } from './presets.ts';
import { parseStrategy } from './resolve-strategy.ts';
import { Driver, MIN, SEC, T0, at, rolloutOf } from './rollout.fixture.ts';

describe('pendingActions', () => {
  it('is empty before the first reconcile: that one starts everything', () => {
    assert.deepEqual(pendingActions(rolloutOf(tier1())), []);
  });

  it('re-derives what a crashed controller had not carried out yet', () => {
    const d = new Driver(rolloutOf(tier1({ backgroundAnalysis: { templates: ['slo-burn-check'] } })));
    d.step(T0);
    d.verdict(T0, 'successful');
    const decided = d.step(at(MIN));
    // the controller persisted decided.next and died before acting; after restart:
    assert.deepEqual(pendingActions(d.state), [
      { type: 'set-weight', canaryPerMille: 100, stableVersion: 'v1', canaryVersion: 'v2' },
      { type: 'start-instances', version: 'v2', revision: 2, replicas: 2 },
      { type: 'start-analysis', runId: 'r1#1/background', kind: 'background', templates: ['slo-burn-check'] },
      { type: 'start-analysis', runId: 'r1#1/step-4', kind: 'step', templates: ['slo-burn-check'] },
    ]);
    for (const action of decided.actions)
      assert.ok(pendingActions(d.state).some((p) => JSON.stringify(p) === JSON.stringify(action)));
  });

  it('after a rollback: traffic on stable, analysis stopped, the new version stopping', () => {
    const d = new Driver(rolloutOf(tier1()));
    d.step(T0);
    d.step(at(SEC), { crashLoop: true });
    assert.deepEqual(pendingActions(d.state), [
      { type: 'set-weight', canaryPerMille: 0, stableVersion: 'v1', canaryVersion: 'v2' },
      { type: 'stop-analysis', runId: 'r1#1/step-1' },
      { type: 'stop-instances', version: 'v2', at: at(31 * SEC) },
    ]);
    d.step(at(31 * SEC));
    assert.deepEqual(pendingActions(d.state).at(-1), { type: 'stop-instances', version: 'v2' });
  });

  it('after a blue-green completion: all traffic on the new version, no preview, old version stopping', () => {
    const d = new Driver(rolloutOf(parseStrategy({ blueGreen: { autoPromotionDelayMs: 0 } })));
    d.step(T0);
    assert.equal(d.state.phase, 'completed');
    assert.deepEqual(pendingActions(d.state), [
      { type: 'set-weight', canaryPerMille: 1000, stableVersion: 'v2', canaryVersion: 'v2' },
      { type: 'start-instances', version: 'v2', revision: 2, replicas: 2 },
      { type: 'route-preview', version: null },
      { type: 'stop-instances', version: 'v1', at: at(30 * SEC) },
    ]);
  });
});
