import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Clock } from '../engine/clock.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { SoleOwnership } from './ownership.ts';
import { StoreLeases } from './store-leases.ts';

function fakeClock(start = Date.UTC(2026, 0, 2, 3)): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    sleep: async (ms) => void (now += ms),
    advance: (ms) => void (now += ms),
  };
}

describe('StoreLeases', () => {
  const store = new SqliteStore(':memory:');
  after(() => store.close());

  it('keeps an environment with its first claimant while it claims, hands it over once it stops', async () => {
    const clock = fakeClock();
    const a = new StoreLeases({ store, clock, holder: 'a', ttlMs: 5000 });
    const b = new StoreLeases({ store, clock, holder: 'b', ttlMs: 5000 });
    const first = await a.claim('web', 'prod');
    assert.deepEqual(first, { fence: { lease: 'env:web/prod', token: 1 } });
    for (let i = 0; i < 20; i++) {
      clock.advance(900);
      assert.deepEqual(await a.claim('web', 'prod'), first, `a keeps it at ${i}`);
      assert.equal(await b.claim('web', 'prod'), undefined, `b waits at ${i}`);
    }
    clock.advance(4999);
    assert.equal(await b.claim('web', 'prod'), undefined, 'not stale yet');
    clock.advance(2);
    assert.deepEqual(await b.claim('web', 'prod'), { fence: { lease: 'env:web/prod', token: 2 } });
    assert.equal(await a.claim('web', 'prod'), undefined, 'a finds it lost');
  });

  it('a released environment is claimed by another at once', async () => {
    const clock = fakeClock();
    const a = new StoreLeases({ store, clock, holder: 'a', ttlMs: 5000 });
    const b = new StoreLeases({ store, clock, holder: 'b', ttlMs: 5000 });
    assert.ok(await a.claim('web', 'staging'));
    await a.release('web', 'staging');
    assert.deepEqual(await b.claim('web', 'staging'), { fence: { lease: 'env:web/staging', token: 2 } });
  });

  it('in any interleaving, a claim only ever returns the newest token granted, and tokens only grow', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ who: fc.integer({ min: 0, max: 2 }), wait: fc.integer({ min: 0, max: 7000 }) }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        async (steps) => {
          const clock = fakeClock();
          const env = `e${Math.random().toString(36).slice(2)}`;
          const holders = [0, 1, 2].map(
            (i) => new StoreLeases({ store, clock, holder: `h${i}`, ttlMs: 5000 }),
          );
          let newest = 0;
          for (const step of steps) {
            clock.advance(step.wait);
            const claim = await holders[step.who]!.claim('web', env);
            if (!claim?.fence) continue;
            assert.ok(claim.fence.token >= newest, `token ${claim.fence.token} after ${newest}`);
            newest = claim.fence.token;
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('SoleOwnership', () => {
  it('owns every environment, with no fence', async () => {
    const own = new SoleOwnership();
    assert.deepEqual(await own.claim(), {});
    assert.equal(own.shared, false);
  });
});
