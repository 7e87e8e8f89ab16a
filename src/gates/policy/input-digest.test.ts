import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { passingInput, withChanges } from './gate-input.fixture.ts';
import { canonicalJson, inputDigest, REDACTED, redactSecrets } from './input-digest.ts';

function shuffledKeys(value: unknown, order: number[]): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffledKeys(v, order));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const picked = entries.map((e, i) => ({ e, rank: order[i % Math.max(1, order.length)] ?? 0 }));
  picked.sort((a, b) => a.rank - b.rank);
  return Object.fromEntries(picked.map(({ e: [k, v] }) => [k, shuffledKeys(v, order)]));
}

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: undefined, b: 2.5 } }),
      '{"a":{"b":2.5,"d":[true,null,"x"]},"b":1}',
    );
  });

  it('writes non-finite numbers as null, as JSON does', () => {
    assert.equal(canonicalJson([Number.NaN, Infinity, -0, 1e21]), '[null,null,0,1e+21]');
  });
});

describe('inputDigest', () => {
  it('is a sha256 digest', () => {
    assert.match(inputDigest(passingInput()), /^sha256:[0-9a-f]{64}$/);
  });

  it('is stable under key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.integer(), { minLength: 1, maxLength: 8 }), (value, order) => {
        assert.equal(inputDigest(shuffledKeys(value, order)), inputDigest(value));
      }),
      { numRuns: 200 },
    );
    const reversed = shuffledKeys(passingInput(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    assert.notDeepEqual(Object.keys(reversed as object), Object.keys(passingInput()));
    assert.equal(inputDigest(reversed), inputDigest(passingInput()));
  });

  it('changes when a value changes', () => {
    const other = withChanges(passingInput(), { 'gates.quality.coverage': 83.3 });
    assert.notEqual(inputDigest(other), inputDigest(passingInput()));
  });

  it('does not depend on secret values', () => {
    const a = withChanges(passingInput(), {
      'credentials.registry_token': 'ghp_aaaa',
      'auth.password': 'hunter2',
    });
    const b = withChanges(passingInput(), {
      'credentials.registry_token': 'ghp_bbbb',
      'auth.password': 'swordfish',
    });
    assert.equal(inputDigest(a), inputDigest(b));
  });
});

describe('redactSecrets', () => {
  it('redacts values under secret-like keys and keeps counts and flags', () => {
    assert.deepEqual(
      redactSecrets({
        gates: { security: { secrets_found: 2, image_signed: true } },
        env: { API_KEY: 'k', GITHUB_TOKEN: 't', region: 'eu' },
        headers: [{ Authorization: 'Bearer x' }],
        db_password: { value: 'p' },
      }),
      {
        gates: { security: { secrets_found: 2, image_signed: true } },
        env: { API_KEY: REDACTED, GITHUB_TOKEN: REDACTED, region: 'eu' },
        headers: [{ Authorization: REDACTED }],
        db_password: REDACTED,
      },
    );
  });
});
