import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import { SnapshotHistory } from './snapshot-history.ts';

const none: readonly VersionSnapshot[] = [];
const atOf = (e: { at: number } | undefined) => e?.at;

describe('SnapshotHistory', () => {
  it('has no baseline on the first call, then the oldest earlier snapshot until a full window exists', () => {
    const h = new SnapshotHistory();
    assert.equal(h.baseline('s', 0, 60, none), undefined);
    assert.equal(atOf(h.baseline('s', 20, 60, none)), 0);
    assert.equal(atOf(h.baseline('s', 70, 60, none)), 0);
    assert.equal(atOf(h.baseline('s', 90, 60, none)), 20);
  });

  it('never uses a snapshot taken at the same instant as a baseline', () => {
    const h = new SnapshotHistory();
    h.baseline('s', 0, 60, none);
    assert.equal(atOf(h.baseline('s', 10, 60, none)), 0);
    assert.equal(atOf(h.baseline('s', 10, 60, none)), 0);
  });

  it('keeps keys apart', () => {
    const h = new SnapshotHistory();
    h.baseline('a', 0, 60, none);
    assert.equal(h.baseline('b', 10, 60, none), undefined);
  });

  it('starts again when time goes backwards', () => {
    const h = new SnapshotHistory();
    h.baseline('s', 100, 60, none);
    assert.equal(h.baseline('s', 50, 60, none), undefined);
    assert.equal(atOf(h.baseline('s', 60, 60, none)), 50);
  });

  it('still serves the longest window seen after pruning for shorter ones', () => {
    const h = new SnapshotHistory();
    h.baseline('s', 0, 100, none);
    for (let t = 10; t <= 300; t += 10) h.baseline('s', t, 30, none);
    assert.equal(atOf(h.baseline('s', 310, 100, none)), 210);
    assert.equal(atOf(h.baseline('s', 320, 30, none)), 290);
  });
});
