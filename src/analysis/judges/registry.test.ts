import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createJudge, JUDGE_KINDS } from './registry.ts';
import type { JudgeSpec } from './registry.ts';

describe('judge registry', () => {
  it('builds every kind it lists', () => {
    const specs: Record<(typeof JUDGE_KINDS)[number], JudgeSpec> = {
      threshold: { kind: 'threshold', conditions: [{ metric: 'error-ratio', below: 0.02 }] },
      comparison: { kind: 'comparison', metrics: [{ metric: 'errors' }] },
      'sequential-errors': { kind: 'sequential-errors' },
      'sequential-latency': { kind: 'sequential-latency', thresholdSeconds: 0.5 },
      flagger: { kind: 'flagger' },
      argo: { kind: 'argo' },
    };
    for (const kind of JUDGE_KINDS) assert.equal(typeof createJudge(specs[kind]).decide, 'function');
  });

  it('names the valid kinds when given an unknown one', () => {
    assert.throws(
      () => createJudge({ kind: 'kayenta' } as unknown as JudgeSpec),
      /unknown judge "kayenta": want one of threshold, comparison, sequential-errors, sequential-latency, flagger, argo/,
    );
  });

  it('refuses bad options when building, not when judging', () => {
    assert.throws(
      () => createJudge({ kind: 'sequential-errors', beta: 2 }),
      /beta must be in \(0, 1\), got 2/,
    );
  });
});
