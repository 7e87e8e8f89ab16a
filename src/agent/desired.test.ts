import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DesiredError,
  validateFaultSpec,
  validateSiteDesired,
  validateWeights,
  type SiteDesiredInput,
} from './desired.ts';

const release = (version: string) => ({
  version,
  revision: 1,
  command: 'node server.mjs',
  cwd: '/srv/app',
  env: { PATH: '/usr/bin' },
  replicas: 1,
  health: '/health',
});

const valid: SiteDesiredInput = {
  service: 'checkout-api',
  environment: 'production',
  port: 4000,
  releases: [release('1.0.0'), release('1.1.0')],
  weights: { '1.0.0': 990, '1.1.0': 10 },
};

function issuesOf(input: unknown): readonly string[] {
  try {
    validateSiteDesired(input);
  } catch (err) {
    assert.ok(err instanceof DesiredError);
    return err.issues;
  }
  assert.fail('expected a DesiredError');
}

test('a valid site comes back frozen with the defaults filled', () => {
  const site = validateSiteDesired(valid);
  assert.deepEqual(site, { ...valid, preview: null, match: [], addVersionHeader: true, faults: {} });
  assert.ok(Object.isFrozen(site) && Object.isFrozen(site.releases[0]) && Object.isFrozen(site.weights));
});

test('a site with no releases needs no weights', () => {
  assert.deepEqual(validateSiteDesired({ ...valid, releases: [], weights: {} }).releases, []);
});

test('weights: the sum, unknown versions and bad values are all named', () => {
  assert.deepEqual(issuesOf({ ...valid, weights: { '1.0.0': 900 } }), [
    'weights must sum to 1000 (per-mille), got 900',
  ]);
  assert.deepEqual(issuesOf({ ...valid, weights: { '1.0.0': 1000, canary: 0 } }), [
    'weights.canary names no release version (known: "1.0.0", "1.1.0")',
  ]);
  assert.deepEqual(issuesOf({ ...valid, weights: { '1.0.0': 1001, '1.1.0': -1 } }), [
    'weights.1.0.0 must be an integer in 0..1000 (per-mille), got 1001',
    'weights.1.1.0 must be an integer in 0..1000 (per-mille), got -1',
  ]);
  assert.deepEqual(issuesOf({ ...valid, weights: { '1.0.0': 999.5, '1.1.0': 0.5 } }).length, 2);
});

test('every problem of every release is listed at once, naming its field', () => {
  const issues = issuesOf({
    ...valid,
    service: 'bad/name',
    port: 70000,
    previewPort: 4000,
    releases: [
      {
        ...release('1.0.0'),
        cwd: 'relative',
        replicas: 0,
        health: 'health',
        env: { PORT: '1', RUNWAY_X: 'y', N: 1 },
      },
      { ...release('1.0.0'), revision: -1, command: ' ', extra: true },
    ],
    weights: { '1.0.0': 1000 },
  });
  assert.deepEqual(issues, [
    'service must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$, got "bad/name"',
    'port must be an integer in 1..65535, got 70000',
    'releases[0].cwd must be an absolute path, got "relative"',
    'releases[0].env.PORT is reserved (the agent sets PORT and RUNWAY_*)',
    'releases[0].env.RUNWAY_X is reserved (the agent sets PORT and RUNWAY_*)',
    'releases[0].env.N must be a string, got 1',
    'releases[0].replicas must be an integer in 1..32, got 0',
    'releases[0].health must be a path starting with /, got "health"',
    'releases[1] has unknown key "extra" (expected version, revision, command, cwd, env, replicas, health, readinessTimeoutMs, livenessIntervalMs, stopGraceMs)',
    'releases[1].version "1.0.0" appears more than once',
    'releases[1].revision must be an integer in 0..9007199254740991, got -1',
    'releases[1].command must be non-empty shell text, got " "',
  ]);
});

test('preview, match rules and faults must name release versions', () => {
  const issues = issuesOf({
    ...valid,
    preview: '2.0.0',
    match: [{ header: { name: 'x canary', value: 'a' }, version: '2.0.0' }, { version: '1.0.0' }],
    faults: { '1.1.0': { errorRatio: 2 }, '3.0.0': {} },
    addVersionHeader: 'yes',
  });
  assert.deepEqual(issues, [
    'preview "2.0.0" is not a release version (known: "1.0.0", "1.1.0")',
    'preview needs previewPort',
    'match[0].version "2.0.0" is not a release version (known: "1.0.0", "1.1.0")',
    'match[0].header.name must be a header name, got "x canary"',
    'match[1] needs exactly one of header or cookie',
    'addVersionHeader must be true or false, got "yes"',
    'faults.1.1.0: errorRatio must be in 0..1, got 2',
    'faults.3.0.0 names no release version (known: "1.0.0", "1.1.0")',
  ]);
});

test('the error message carries every issue; a non-object is one issue', () => {
  assert.throws(() => validateSiteDesired(null), /invalid desired state: site must be an object, got null/);
  assert.throws(
    () => validateSiteDesired({ ...valid, port: 0, weights: {} }),
    /port must be .*; weights must sum/,
  );
});

test('validateWeights and validateFaultSpec check against the site', () => {
  const site = validateSiteDesired(valid);
  assert.deepEqual(validateWeights({ '1.0.0': 0, '1.1.0': 1000 }, site), { '1.0.0': 0, '1.1.0': 1000 });
  assert.throws(() => validateWeights([], site), /weights must be an object, got a list/);
  assert.equal(validateFaultSpec(null, '1.1.0', site), null);
  assert.deepEqual(validateFaultSpec({ latencyMs: 300 }, '1.1.0', site), { latencyMs: 300 });
  assert.throws(() => validateFaultSpec({ latencyMs: 300 }, '9.9.9', site), /faults.9.9.9 names no release/);
  assert.throws(() => validateFaultSpec({ slow: 1 }, '1.1.0', site), /faults.1.1.0: unknown key "slow"/);
});
