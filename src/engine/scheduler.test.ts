import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import fc from 'fast-check';
import { runDag, type DagNode } from './scheduler.ts';

/** Waits `n` turns of the event loop (0 = a microtask). */
async function pause(n: number): Promise<void> {
  await Promise.resolve();
  for (let i = 0; i < n; i++) await tick();
}

describe('runDag', () => {
  // Random DAGs: node i may only need nodes with a lower index, so there is never a cycle.
  const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          needs: fc.uniqueArray(fc.nat(Math.max(0, i - 1)), { maxLength: Math.min(i, 3) }),
          delay: fc.nat(3),
          fails: fc.boolean(),
        }),
      ),
    ),
  );

  it('runs every node once, after all its needs, within the concurrency bound (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        dag,
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (spec, concurrency, shuffle) => {
          const nodes: DagNode[] = spec.map((s, i) => ({
            name: `n${i}`,
            needs: s.needs.map((j) => `n${j}`),
          }));
          if (shuffle) nodes.reverse(); // the order of the list must not matter
          const byName = new Map(spec.map((s, i) => [`n${i}`, s]));
          const started: string[] = [];
          const finished = new Set<string>();
          let inFlight = 0;
          let maxInFlight = 0;
          const violations: string[] = [];
          await runDag(nodes, concurrency, async (name) => {
            // runDag swallows what a node throws, so violations are collected and checked afterwards
            if (started.includes(name)) violations.push(`${name} started twice`);
            for (const need of nodes.find((n) => n.name === name)?.needs ?? []) {
              if (!finished.has(need)) violations.push(`${name} started before its need ${need} finished`);
            }
            started.push(name);
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
              await pause(byName.get(name)?.delay ?? 0);
              if (byName.get(name)?.fails) throw new Error(`${name} failed`);
            } finally {
              inFlight--;
              finished.add(name);
            }
          });
          assert.deepEqual(violations, []);
          assert.equal(started.length, nodes.length);
          assert.equal(finished.size, nodes.length);
          assert.ok(maxInFlight <= concurrency, `${maxInFlight} ran at once with concurrency ${concurrency}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('runs k independent nodes at once with concurrency k (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 }), async (k, extra) => {
        const nodes = Array.from({ length: k + extra }, (_, i) => ({ name: `n${i}`, needs: [] }));
        let inFlight = 0;
        let maxInFlight = 0;
        // every node waits until k are running together (or all are), so the bound must be reached
        const target = Math.min(k, nodes.length);
        let waiters: (() => void)[] = [];
        await runDag(nodes, k, async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          if (inFlight >= target) {
            for (const w of waiters) w();
            waiters = [];
          } else {
            await new Promise<void>((resolve) => waiters.push(resolve));
          }
          await pause(1);
          inFlight--;
        });
        assert.equal(maxInFlight, target);
      }),
      { numRuns: 40 },
    );
  });

  it('starts ready nodes in the given order', async () => {
    const order: string[] = [];
    const nodes = ['c', 'a', 'b', 'd'].map((name) => ({ name, needs: name === 'd' ? ['a'] : [] }));
    await runDag(nodes, 1, async (name) => {
      order.push(name);
      await pause(1);
    });
    assert.deepEqual(order, ['c', 'a', 'b', 'd']);
  });

  it('runs dependents of a failed node anyway (the node function decides what failure means)', async () => {
    const ran: string[] = [];
    await runDag(
      [
        { name: 'build', needs: [] },
        { name: 'test', needs: ['build'] },
      ],
      2,
      async (name) => {
        ran.push(name);
        if (name === 'build') throw new Error('boom');
      },
    );
    assert.deepEqual(ran, ['build', 'test']);
  });

  it('finishes at once on an empty graph', async () => {
    let calls = 0;
    await runDag([], 2, async () => {
      calls++;
    });
    assert.equal(calls, 0);
  });

  it('rejects a cycle, after running what it can', async () => {
    const ran: string[] = [];
    await assert.rejects(
      runDag(
        [
          { name: 'free', needs: [] },
          { name: 'a', needs: ['b'] },
          { name: 'b', needs: ['a'] },
        ],
        2,
        async (name) => {
          ran.push(name);
        },
      ),
      /the graph has a cycle/,
    );
    assert.deepEqual(ran, ['free']);
    await assert.rejects(
      runDag([{ name: 'self', needs: ['self'] }], 1, async () => undefined),
      /cycle/,
    );
  });

  it('rejects an unknown need, naming both nodes, before running anything', async () => {
    let calls = 0;
    await assert.rejects(
      runDag(
        [
          { name: 'a', needs: [] },
          { name: 'deploy', needs: ['tset'] },
        ],
        2,
        async () => {
          calls++;
        },
      ),
      { message: 'node "deploy" needs unknown node "tset"' },
    );
    assert.equal(calls, 0);
  });

  it('rejects a concurrency below 1', async () => {
    await assert.rejects(
      runDag([{ name: 'a', needs: [] }], 0, async () => undefined),
      /at least 1, got 0/,
    );
  });
});
