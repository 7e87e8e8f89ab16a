import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createJudge, JUDGE_KINDS } from './registry.ts';
import type { JudgeSpec } from './registry.ts';
import { METRIC_JUDGES } from '../judge-metric.ts';

describe('judge registry', () => {
  it('builds every kind it lists', () => {
    const specs: Record<(typeof JUDGE_KINDS)[number], JudgeSpec> = {
      'sequential-errors': { kind: 'sequential-errors' },
      'sequential-latency': { kind: 'sequential-latency', thresholdSeconds: 0.5 },
      comparison: { kind: 'comparison', metrics: [{ metric: 'errors' }] },
    };
    for (const kind of JUDGE_KINDS) assert.equal(typeof createJudge(specs[kind]).decide, 'function');
  });

  it('names the valid kinds when given an unknown one', () => {
    assert.throws(
      () => createJudge({ kind: 'kayenta' } as unknown as JudgeSpec),
      /unknown judge "kayenta": want one of sequential-errors, sequential-latency, comparison/,
    );
  });

  it('every kind it lists can be named in runway.yaml, and nothing else', () => {
    assert.deepEqual([...JUDGE_KINDS], [...METRIC_JUDGES]);
  });

  it('refuses bad options when building, not when judging', () => {
    assert.throws(
      () => createJudge({ kind: 'sequential-errors', beta: 2 }),
      /beta must be in \(0, 1\), got 2/,
    );
  });
});
