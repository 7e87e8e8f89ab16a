import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import { judgeCanary } from './judge-canary.ts';

const NOW = new Date('2026-11-24T10:00:00Z');

function snapshot(version: string, total: number, errors: number, slow = 0): VersionSnapshot {
  // one bound at 0.5 s: `slow` requests took longer
  return {
    service: 'web',
    version,
    total,
    errors,
    codes: { '200': total - errors, ...(errors > 0 ? { '500': errors } : {}) },
    latency: { bounds: [0.5], cumulative: [total - slow, total], sum: 0, count: total },
  };
}

describe('the Argo web metric judge', () => {
  it('fails a canary whose error ratio is far above the stable one, and explains it', () => {
    const a = judgeCanary(
      [snapshot('v2', 400, 60), snapshot('v1', 400, 2)],
      { canary: 'v2', stable: 'v1' },
      NOW,
    );
    assert.equal(a.verdict, 'fail');
    assert.match(a.reason, /error ratio/);
    assert.deepEqual(a.canary, { version: 'v2', requests: 400, errors: 60 });
  });

  it('passes a canary as good as stable once the evidence suffices', () => {
    const a = judgeCanary(
      [snapshot('v2', 20000, 40), snapshot('v1', 20000, 50)],
      { canary: 'v2', stable: 'v1' },
      NOW,
    );
    assert.equal(a.verdict, 'pass', a.reason);
  });

  it('without errors on either version passes only below a given error ratio', () => {
    const clean = [snapshot('v2', 300, 0), snapshot('v1', 300, 0)];
    assert.equal(judgeCanary(clean, { canary: 'v2', stable: 'v1' }, NOW).verdict, 'inconclusive');
    assert.equal(judgeCanary(clean, { canary: 'v2', stable: 'v1', errorRatio: 0.05 }, NOW).verdict, 'pass');
  });

  it('judges latency too when a threshold is given', () => {
    const slow = [snapshot('v2', 2000, 0, 400), snapshot('v1', 2000, 0, 20)];
    assert.equal(judgeCanary(slow, { canary: 'v2', stable: 'v1', errorRatio: 0.05 }, NOW).verdict, 'pass');
    const a = judgeCanary(slow, { canary: 'v2', stable: 'v1', errorRatio: 0.05, latencySeconds: 0.5 }, NOW);
    assert.equal(a.verdict, 'fail', a.reason);
  });

  it('is inconclusive, naming the versions it knows, when a hash has no traffic', () => {
    const a = judgeCanary([snapshot('v1', 10, 0)], { canary: '5f6c7d8e9a', stable: 'v1' }, NOW);
    assert.equal(a.verdict, 'inconclusive');
    assert.equal(a.reason, 'no requests recorded for canary 5f6c7d8e9a (versions with traffic: v1)');
  });
});
