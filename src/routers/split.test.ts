import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatSplit, SPLIT_TOLERANCE, splitInForce } from './split.ts';

const local = { kind: 'local' };

describe('splitInForce', () => {
  it('holds when the router reads back the split asked for, zeros aside', () => {
    assert.equal(splitInForce(local, { weights: { v2: 1000, v1: 0 } }, { v2: 1000 }), true);
    assert.equal(splitInForce(local, { weights: { v1: 500, v2: 500 } }, { v1: 500, v2: 500 }), true);
  });

  it('fails while the router still serves an earlier split (the chaos finding: v36 asked, 50/50 served)', () => {
    assert.equal(splitInForce(local, { weights: { v35: 500, v36: 500 } }, { v36: 1000 }), false);
    assert.equal(splitInForce(local, { weights: { v35: 1000 } }, { v36: 1000 }), false);
  });

  it('fails for a site the router does not know, unless nothing should run', () => {
    assert.equal(splitInForce(local, undefined, { v2: 1000 }), false);
    assert.equal(splitInForce(local, undefined, {}), true);
  });

  it('takes a router that routes by itself at its word', () => {
    assert.equal(splitInForce({ kind: 'none' }, undefined, { v2: 1000 }), true);
  });

  it('forgives HAProxy-sized rounding and nothing more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -12, max: 12 }), (a, d) => {
        const wanted = { v1: a, v2: 1000 - a };
        const read = { weights: { v1: a + d, v2: 1000 - a - d } };
        return splitInForce(local, read, wanted) === Math.abs(d) <= SPLIT_TOLERANCE;
      }),
    );
  });
});

describe('formatSplit', () => {
  it('names the versions with traffic, in percent', () => {
    assert.equal(formatSplit({ v1: 900, v2: 100, v3: 0 }), 'v1=90% v2=10%');
    assert.equal(formatSplit({}), 'nothing');
  });
});
