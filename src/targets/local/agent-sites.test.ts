import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keepWeights } from './agent-sites.ts';

describe('keepWeights: the split in force, kept to the versions that run', () => {
  it('sums to 1000 over running versions only, and a running version never loses weight', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('v1', 'v2', 'v3', 'v4'), fc.integer({ min: 0, max: 1000 })),
        fc.uniqueArray(fc.constantFrom('v1', 'v2', 'v3', 'v4'), { maxLength: 4 }),
        (raw, versions) => {
          // a split in force sums to 1000
          const total = Object.values(raw).reduce((a, b) => a + b, 0);
          if (total === 0) return;
          const weights = Object.fromEntries(
            Object.entries(raw).map(([v, w]) => [v, Math.floor((w * 1000) / total)]),
          );
          const first = Object.keys(weights)[0]!;
          weights[first] = weights[first]! + 1000 - Object.values(weights).reduce((a, b) => a + b, 0);
          const kept = keepWeights(weights, versions);
          if (versions.length === 0) return assert.deepEqual(kept, {});
          assert.equal(
            Object.values(kept).reduce((a, b) => a + b, 0),
            1000,
          );
          for (const v of Object.keys(kept)) assert.ok((versions as string[]).includes(v));
          for (const v of versions) assert.ok((kept[v] ?? 0) >= (weights[v] ?? 0));
        },
      ),
    );
  });

  it('weight of a stopped version goes to the heaviest that stays', () => {
    assert.deepEqual(keepWeights({ v1: 700, v2: 200, v3: 100 }, ['v1', 'v3']), { v1: 900, v3: 100 });
    assert.deepEqual(keepWeights({}, ['v1', 'v2']), { v1: 1000 });
  });
});
