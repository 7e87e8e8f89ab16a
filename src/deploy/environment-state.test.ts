import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Action } from '../rollout/actions.ts';
import { tier2 } from '../rollout/presets.ts';
import { newRollout } from '../rollout/state.ts';
import { applyIntents, emptyEnvironment, normalizeWeights, siteOf } from './environment-state.ts';
import type { ReleaseSpec, RolloutRecord } from './records.ts';

const NOW = new Date('2026-11-24T10:00:00Z');

function release(version: string, revision: number): ReleaseSpec {
  return {
    version,
    revision,
    command: 'node server.js',
    cwd: `/srv/${version}`,
    env: {},
    replicas: 2,
    health: '/health',
  };
}

function rollout(stable: ReleaseSpec | undefined, canary: ReleaseSpec): RolloutRecord {
  const state = newRollout(
    {
      id: 'r',
      service: 'api',
      environment: 'production',
      stable: stable
        ? { version: stable.version, revision: stable.revision }
        : { version: '(none)', revision: 0 },
      canary: { version: canary.version, revision: canary.revision },
      strategy: tier2(),
      replicas: canary.replicas,
    },
    NOW,
  );
  return {
    id: 'r',
    service: 'api',
    environment: 'production',
    state,
    canary,
    ...(stable ? { stable } : {}),
    analysis: {},
    args: {},
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
}

function withStable(v1: ReleaseSpec) {
  const env = emptyEnvironment('api', 'production', 4000, NOW);
  return { ...env, stable: v1, running: { v1 }, weights: { v1: 1000 }, releases: { v1 } };
}

describe('applyIntents', () => {
  const v1 = release('v1', 1);
  const v2 = release('v2', 2);

  it('starts the canary, splits traffic, and keeps the stable running', () => {
    const r = rollout(v1, v2);
    const actions: Action[] = [
      { type: 'start-instances', version: 'v2', revision: 2, replicas: 2 },
      { type: 'set-weight', canaryPerMille: 100, stableVersion: 'v1', canaryVersion: 'v2' },
    ];
    const env = applyIntents(withStable(v1), r, actions, NOW);
    assert.deepEqual(Object.keys(env.running).sort(), ['v1', 'v2']);
    assert.deepEqual(env.weights, { v1: 900, v2: 100 });
    assert.equal(env.rolloutId, 'r');
  });

  it('an abort sends everything back to stable at once; the canary stops only when due', () => {
    const r = rollout(v1, v2);
    const started = applyIntents(
      withStable(v1),
      r,
      [
        { type: 'start-instances', version: 'v2', revision: 2, replicas: 2 },
        { type: 'set-weight', canaryPerMille: 500, stableVersion: 'v1', canaryVersion: 'v2' },
      ],
      NOW,
    );
    const aborted = applyIntents(
      started,
      { ...r, state: { ...r.state, phase: 'rolled-back' } },
      [
        { type: 'set-weight', canaryPerMille: 0, stableVersion: 'v1', canaryVersion: 'v2' },
        { type: 'stop-instances', version: 'v2', at: new Date(NOW.getTime() + 30_000) },
      ],
      NOW,
    );
    assert.deepEqual(aborted.weights, { v1: 1000 });
    assert.ok(aborted.running['v2'], 'a scheduled stop keeps the canary until it is due');
    assert.equal(aborted.rolloutId, undefined);
    assert.equal(aborted.stable?.version, 'v1');
    const stopped = applyIntents(
      aborted,
      { ...r, state: { ...r.state, phase: 'rolled-back' } },
      [{ type: 'stop-instances', version: 'v2' }],
      NOW,
    );
    assert.deepEqual(Object.keys(stopped.running), ['v1']);
  });

  it('completion makes the canary stable', () => {
    const r = rollout(v1, v2);
    const env = applyIntents(
      { ...withStable(v1), running: { v1, v2 } },
      { ...r, state: { ...r.state, phase: 'completed' } },
      [{ type: 'set-weight', canaryPerMille: 1000, stableVersion: 'v2', canaryVersion: 'v2' }],
      NOW,
    );
    assert.equal(env.stable?.version, 'v2');
    assert.deepEqual(env.weights, { v2: 1000 });
  });

  it('a first deploy has no stable: the new version gets the traffic meant for it', () => {
    const r = rollout(undefined, v2);
    const env = applyIntents(
      emptyEnvironment('api', 'production', 4000, NOW),
      r,
      [
        { type: 'start-instances', version: 'v2', revision: 2, replicas: 2 },
        { type: 'set-weight', canaryPerMille: 0, stableVersion: '(none)', canaryVersion: 'v2' },
      ],
      NOW,
    );
    assert.deepEqual(env.weights, { v2: 1000 });
  });

  it('siteOf hands the data plane faults only for versions that run', () => {
    const env = { ...withStable(v1), faults: { v1: { errorRatio: 0.5 }, v9: { latencyMs: 100 } } };
    assert.deepEqual(siteOf(env).target.faults, { v1: { errorRatio: 0.5 } });
    assert.deepEqual(siteOf(env).routes.routes.weights, { v1: 1000 });
  });
});

describe('normalizeWeights', () => {
  it('property: weights cover only running versions and sum to 1000 when anything runs', () => {
    const versions = ['a', 'b', 'c', 'd'];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...versions), fc.integer({ min: 0, max: 1000 })),
        fc.subarray(versions),
        (weights, running) => {
          const raw = Object.fromEntries(Object.entries(weights));
          const total = Object.values(raw).reduce((a, b) => a + b, 0);
          if (total > 1000) return;
          const out = normalizeWeights(raw, running);
          const sum = Object.values(out).reduce((a, b) => a + b, 0);
          assert.equal(sum, running.length === 0 ? 0 : 1000);
          for (const v of Object.keys(out)) assert.ok(running.includes(v), `${v} does not run`);
          for (const w of Object.values(out)) assert.ok(w > 0);
          // a running version keeps at least what it was given
          for (const v of running) assert.ok((out[v] ?? 0) >= (raw[v] ?? 0));
        },
      ),
    );
  });
});
