import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeTypeOf, deploymentFromRow } from './deployment-projection.ts';

describe('deployment projection', () => {
  it('reads the Conventional Commit type that DORA counts as rework, and nothing from other messages', () => {
    assert.equal(changeTypeOf('fix(cart): round tax once'), 'fix');
    assert.equal(changeTypeOf('Revert!: undo the quote change'), 'revert');
    assert.equal(changeTypeOf('feat: new checkout'), 'feat');
    assert.equal(changeTypeOf('merge branch main'), undefined);
    assert.equal(changeTypeOf(undefined), undefined);
  });

  it('turns a stored row into a record with ISO times and no empty fields', () => {
    const record = deploymentFromRow({
      id: 'r1',
      service: 'checkout-api',
      environment: 'production',
      version: 'v2',
      digest: null,
      run_id: 7,
      started_at_ms: Date.UTC(2026, 11, 7, 10),
      finished_at_ms: Date.UTC(2026, 11, 7, 10, 5),
      outcome: 'rolled-back',
      kind: 'progressive',
      reason: 'analysis failed',
      incident_id: null,
    });
    assert.deepEqual(record, {
      id: 'r1',
      service: 'checkout-api',
      environment: 'production',
      version: 'v2',
      runId: 7,
      startedAt: '2026-12-07T10:00:00.000Z',
      finishedAt: '2026-12-07T10:05:00.000Z',
      outcome: 'rolled-back',
      kind: 'progressive',
      reason: 'analysis failed',
    });
  });
});
