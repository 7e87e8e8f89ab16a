import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LIVENESS,
  DEFAULT_READINESS,
  instanceKey,
  InstanceSpecError,
  processEnv,
  releaseVariables,
  resolveInstanceSpec,
  sameSpec,
} from './instance-spec.ts';
import type { InstanceSpecInput } from './instance-spec.ts';
import { DEFAULT_RESTART_POLICY } from './policy.ts';

const input: InstanceSpecInput = {
  service: 'checkout-api',
  release: { version: '1.4.0', digest: `sha256:${'ab'.repeat(32)}` },
  command: 'node dist/server.js',
  cwd: '/srv/checkout-api',
  env: { PATH: '/usr/bin:/bin', NODE_ENV: 'production' },
  port: 4000,
  healthPath: '/health',
  logPath: '/var/log/runway/checkout-api-1.4.0-0.log',
};

describe('resolveInstanceSpec', () => {
  it('fills the defaults: 3 consecutive liveness failures, the seeds crash loop, 10 s grace', () => {
    const spec = resolveInstanceSpec(input);
    assert.equal(spec.index, 0);
    assert.deepEqual(spec.readiness, DEFAULT_READINESS);
    assert.deepEqual(spec.liveness, DEFAULT_LIVENESS);
    assert.equal(spec.liveness.failureThreshold, 3);
    assert.deepEqual(spec.restart, DEFAULT_RESTART_POLICY);
    assert.deepEqual([spec.restart.crashLoopRestarts, spec.restart.crashLoopWindowMs], [3, 300_000]);
    assert.equal(spec.stopGraceMs, 10_000);
    assert.deepEqual(spec.secrets, []);
  });

  it('merges partial probe and restart settings over the defaults', () => {
    const spec = resolveInstanceSpec({
      ...input,
      liveness: { intervalMs: 2000 },
      restart: { maxDelayMs: 5000 },
    });
    assert.deepEqual(spec.liveness, { intervalMs: 2000, failureThreshold: 3 });
    assert.equal(spec.restart.maxDelayMs, 5000);
    assert.equal(spec.restart.initialDelayMs, DEFAULT_RESTART_POLICY.initialDelayMs);
  });

  it('freezes the result, nested objects too', () => {
    const spec = resolveInstanceSpec(input);
    assert.ok(Object.isFrozen(spec) && Object.isFrozen(spec.env) && Object.isFrozen(spec.restart));
  });

  it('does not share the caller env object', () => {
    const env = { PATH: '/bin' };
    const spec = resolveInstanceSpec({ ...input, env });
    env.PATH = '/changed';
    assert.equal(spec.env.PATH, '/bin');
  });

  it('lists every problem with the bad value, under the instance key', () => {
    assert.throws(
      () =>
        resolveInstanceSpec({
          ...input,
          port: 0,
          healthPath: 'health',
          cwd: 'relative',
          liveness: { failureThreshold: 0 },
          restart: { multiplier: 0 },
        }),
      (err: unknown) => {
        assert.ok(err instanceof InstanceSpecError);
        assert.deepEqual(err.problems, [
          'cwd must be an absolute path, got "relative"',
          'port must be an integer 1..65535, got 0',
          'healthPath must be a path starting with /, got "health"',
          'liveness.failureThreshold must be an integer >= 1, got 0',
          'restart.multiplier must be a number >= 1, got 0',
        ]);
        assert.match(err.message, /^invalid instance spec checkout-api\/1\.4\.0\/0: cwd must/);
        return true;
      },
    );
  });

  it('rejects a service or version that would break the key', () => {
    assert.throws(
      () => resolveInstanceSpec({ ...input, service: 'a/b' }),
      /service must be a name like checkout-api, got "a\/b"/,
    );
    assert.throws(() => resolveInstanceSpec({ ...input, release: { version: '1.0/2' } }), /release\.version/);
    assert.throws(
      () => resolveInstanceSpec({ ...input, release: { version: '1.0', digest: 'md5' } }),
      /digest/,
    );
  });

  it('rejects an env PORT that disagrees with port, accepts one that agrees', () => {
    assert.throws(
      () => resolveInstanceSpec({ ...input, env: { PORT: '9999' } }),
      /env\.PORT must be absent or 4000, got "9999"/,
    );
    assert.equal(resolveInstanceSpec({ ...input, env: { PORT: '4000' } }).env.PORT, '4000');
  });
});

describe('instance identity and environment', () => {
  it('keys an instance as service/version/index', () => {
    assert.equal(instanceKey(resolveInstanceSpec({ ...input, index: 2 })), 'checkout-api/1.4.0/2');
  });

  it('treats specs as the same regardless of env key order, and different on any change', () => {
    const a = resolveInstanceSpec(input);
    const b = resolveInstanceSpec({ ...input, env: { NODE_ENV: 'production', PATH: '/usr/bin:/bin' } });
    assert.ok(sameSpec(a, b));
    assert.ok(!sameSpec(a, resolveInstanceSpec({ ...input, command: 'node other.js' })));
    assert.ok(!sameSpec(a, resolveInstanceSpec({ ...input, liveness: { failureThreshold: 4 } })));
  });

  it('gives the process exactly its env plus PORT', () => {
    assert.deepEqual(processEnv(resolveInstanceSpec(input)), {
      PATH: '/usr/bin:/bin',
      NODE_ENV: 'production',
      PORT: '4000',
    });
  });

  it('names the release in variables callers can merge into env', () => {
    assert.deepEqual(releaseVariables('checkout-api', { version: '1.4.0', digest: 'sha256:abc' }, 1), {
      RUNWAY_SERVICE: 'checkout-api',
      RUNWAY_RELEASE_VERSION: '1.4.0',
      RUNWAY_RELEASE_DIGEST: 'sha256:abc',
      RUNWAY_INSTANCE_INDEX: '1',
    });
    assert.ok(!('RUNWAY_RELEASE_DIGEST' in releaseVariables('a', { version: '1' }, 0)));
  });
});
