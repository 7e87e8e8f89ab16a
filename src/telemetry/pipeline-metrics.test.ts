import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseSpec, RolloutRecord } from '../deploy/records.ts';
import { replaceStrategy } from '../deploy/strategies.ts';
import { tier1 } from '../rollout/presets.ts';
import { rolloutOf } from '../rollout/rollout.fixture.ts';
import type { Phase } from '../rollout/state.ts';
import type { Strategy } from '../rollout/strategy.ts';
import { CONTRACT_CONTEXT, CONTRACT_PIPELINE } from '../store/store.contract.ts';
import type { RunRecord, RunStatus } from '../store/store.ts';
import { pipelineFamilies } from './pipeline-metrics.ts';
import { renderFamilies } from './prometheus-text.ts';

const spec = (version: string): ReleaseSpec => ({
  version,
  revision: 1,
  command: 'node server.js',
  cwd: '/srv',
  env: {},
  replicas: 1,
  health: '/health',
});

function rollout(
  id: string,
  phase: Phase,
  opts: { environment?: string; first?: boolean; strategy?: Strategy; rehearsal?: boolean; at?: string } = {},
): RolloutRecord {
  const state = { ...rolloutOf(opts.strategy ?? tier1(), new Date('2026-03-10T10:00:00Z'), id), phase };
  state.environment = opts.environment ?? 'production';
  return {
    id,
    service: 'checkout-api',
    environment: opts.environment ?? 'production',
    state,
    canary: spec('v2'),
    ...(opts.first ? {} : { stable: spec('v1') }),
    analysis: {},
    args: {},
    ...(opts.rehearsal ? { rehearsal: true } : {}),
    createdAt: opts.at ?? '2026-03-10T10:00:00.000Z',
    updatedAt: '2026-03-10T10:00:00.000Z',
  };
}

function run(id: number, status: RunStatus, seconds: number): RunRecord {
  const start = Date.parse('2026-03-10T09:00:00Z');
  return {
    id,
    pipeline: CONTRACT_PIPELINE,
    context: CONTRACT_CONTEXT,
    status,
    createdAt: new Date(start).toISOString(),
    ...(status === 'running' ? {} : { finishedAt: new Date(start + seconds * 1000).toISOString() }),
  };
}

const lines = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name));

describe('pipeline metrics', () => {
  it("counts finished runs by the seeds' result values and leaves running ones out", () => {
    const text = renderFamilies(
      pipelineFamilies(
        [run(1, 'succeeded', 60), run(2, 'failed', 30), run(3, 'succeeded', 2000), run(4, 'running', 0)],
        [],
      ),
    );
    assert.deepEqual(lines(text, 'ci_pipeline_runs_total'), [
      'ci_pipeline_runs_total{service="checkout-api",result="success"} 2',
      'ci_pipeline_runs_total{service="checkout-api",result="failure"} 1',
    ]);
    assert.ok(text.includes('ci_pipeline_duration_seconds_bucket{service="checkout-api",le="30"} 1\n'));
    assert.ok(text.includes('ci_pipeline_duration_seconds_bucket{service="checkout-api",le="60"} 2\n'));
    assert.ok(text.includes('ci_pipeline_duration_seconds_bucket{service="checkout-api",le="1800"} 2\n'));
    assert.ok(text.includes('ci_pipeline_duration_seconds_bucket{service="checkout-api",le="+Inf"} 3\n'));
    assert.ok(text.includes('ci_pipeline_duration_seconds_sum{service="checkout-api"} 2090\n'));
    assert.ok(text.includes('ci_pipeline_duration_seconds_count{service="checkout-api"} 3\n'));
  });

  it('counts only production canaries that replace a serving release, so staging, first deploys and undos do not dilute the rollback rate; a rehearsal rollback counts', () => {
    const rollouts = [
      rollout('ok', 'completed'),
      rollout('bad', 'rolled-back'),
      rollout('stopped', 'aborted'),
      rollout('staging', 'rolled-back', { environment: 'staging' }),
      rollout('first', 'completed', { first: true }),
      rollout('undo', 'completed', { strategy: replaceStrategy(30_000) }),
      rollout('rehearsal', 'rolled-back', { rehearsal: true }),
    ];
    const text = renderFamilies(pipelineFamilies([], rollouts));
    assert.deepEqual(lines(text, 'canary_deployments_total'), [
      'canary_deployments_total{service="checkout-api"} 4',
    ]);
    assert.deepEqual(lines(text, 'canary_rollbacks_total'), [
      'canary_rollbacks_total{service="checkout-api"} 3',
    ]);
  });

  it("shows the phase and weight of each environment's latest rollout", () => {
    const older = rollout('old', 'rolled-back', { at: '2026-03-10T09:00:00.000Z' });
    const newer = rollout('new', 'progressing', { at: '2026-03-10T11:00:00.000Z' });
    newer.state.weight = 250;
    newer.state.consecutiveHealthFailures = 2;
    const text = renderFamilies(pipelineFamilies([], [newer, older]));
    assert.ok(
      text.includes(
        'runway_rollout_phase{service="checkout-api",environment="production",phase="progressing"} 1\n',
      ),
    );
    assert.ok(
      text.includes(
        'runway_rollout_phase{service="checkout-api",environment="production",phase="rolled-back"} 0\n',
      ),
    );
    assert.ok(
      text.includes(
        'runway_rollout_canary_weight_percent{service="checkout-api",environment="production"} 25\n',
      ),
    );
    assert.ok(
      text.includes('runway_rollout_health_failures{service="checkout-api",environment="production"} 2\n'),
    );
  });
});
