import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ReleaseInstances, Target } from './target.ts';

/** What a target's test gives the contract suite. */
export interface TargetFixture {
  readonly target: Target;
  /** A release whose instances answer 200 on `/health` (and `version` on `/`). */
  release(version: string, replicas: number): ReleaseInstances;
  /** A release whose instances never become ready (they exit at once). */
  broken(version: string): ReleaseInstances;
  /**
   * The same target kind made afresh over the same data plane, as another control plane (or this
   * one after a restart) would make it: it shares nothing in memory with `target`.
   */
  peer(): Promise<Target>;
  /** Stops everything the fixture started. */
  close(): Promise<void>;
  /** Cases this target cannot keep, by name (`scale`), each with the reason it says instead. */
  readonly skip?: { readonly scale?: string };
}

/** How long a target may take to make an instance ready in the suite. */
const READY_MS = 15_000;

/**
 * The behaviour every Target keeps, run by each implementation's test:
 * `targetContract('local', async () => fixture)`.
 */
export function targetContract(name: string, make: () => Promise<TargetFixture>): void {
  describe(`Target contract: ${name}`, () => {
    let f: TargetFixture;
    let n = 0;
    const site = () => ({ service: 'contract', environment: `e${++n}` });
    const ready = async (
      t: Target,
      s: { service: string; environment: string },
      version: string,
      count: number,
    ) => {
      const deadline = Date.now() + READY_MS;
      for (;;) {
        const all = (await t.instances(s.service, s.environment)) ?? [];
        const mine = all.filter((i) => i.version === version && i.ready);
        if (mine.length === count) return all;
        if (Date.now() > deadline)
          assert.fail(
            `${version}: ${mine.length} of ${count} ready after ${READY_MS} ms: ${JSON.stringify(all)}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('sets up', async () => {
      f = await make();
    });
    after(async () => {
      await f?.close();
    });

    it('knows nothing of a site it was never given', async () => {
      assert.equal(await f.target.instances('contract', 'never'), undefined);
      assert.deepEqual(await f.target.backends('contract', 'never'), []);
      assert.equal(await f.target.probe('contract', 'never', 'v1', '/health'), undefined);
    });

    it('starts the instances of a release, probes them healthy and reports their addresses', async () => {
      const s = site();
      await f.target.apply({ ...s, releases: [f.release('v1', 1)] });
      await ready(f.target, s, 'v1', 1);
      assert.equal(await f.target.probe(s.service, s.environment, 'v1', '/health'), true);
      const backends = await f.target.backends(s.service, s.environment);
      assert.deepEqual(
        backends.map((b) => b.version),
        ['v1'],
      );
      assert.match(backends[0]!.address, /^(\[[0-9a-f:]+\]|[A-Za-z0-9.-]+):\d+$/);
    });

    it('scales a release up and down and stops a release left out', async (t) => {
      if (f.skip?.scale) return t.skip(f.skip.scale);
      const s = site();
      await f.target.apply({ ...s, releases: [f.release('v1', 1)] });
      await ready(f.target, s, 'v1', 1);
      await f.target.apply({ ...s, releases: [f.release('v1', 2), f.release('v2', 1)] });
      await ready(f.target, s, 'v1', 2);
      await ready(f.target, s, 'v2', 1);
      assert.equal((await f.target.backends(s.service, s.environment)).length, 3);
      await f.target.apply({ ...s, releases: [f.release('v2', 1)] });
      const deadline = Date.now() + READY_MS;
      for (;;) {
        const left = ((await f.target.instances(s.service, s.environment)) ?? []).filter(
          (i) => i.version === 'v1',
        );
        if (left.length === 0) break;
        if (Date.now() > deadline) assert.fail(`v1 still runs: ${JSON.stringify(left)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(
        (await f.target.backends(s.service, s.environment)).map((b) => b.version),
        ['v2'],
      );
    });

    it('is idempotent: applying the same site again restarts nothing', async () => {
      const s = site();
      const releases = [f.release('v1', 1)];
      await f.target.apply({ ...s, releases });
      const before = await ready(f.target, s, 'v1', 1);
      await f.target.apply({ ...s, releases });
      const after = await ready(f.target, s, 'v1', 1);
      assert.deepEqual(
        after.map((i) => [i.version, i.index, i.restarts]),
        before.map((i) => [i.version, i.index, i.restarts]),
      );
    });

    it('reports an instance that never becomes ready as not ready, and probes it as undefined', async () => {
      const s = site();
      await f.target.apply({ ...s, releases: [f.broken('bad')] });
      await new Promise((r) => setTimeout(r, 500));
      const all = (await f.target.instances(s.service, s.environment)) ?? [];
      assert.ok(all.length > 0, 'the broken release has instances');
      assert.ok(all.every((i) => !i.ready));
      assert.equal(await f.target.probe(s.service, s.environment, 'bad', '/health'), undefined);
      assert.deepEqual(await f.target.backends(s.service, s.environment), []);
    });

    it('refuses what its capabilities say it cannot do', async (t) => {
      const s = site();
      const caps = f.target.capabilities;
      if (!caps.faultInjection) {
        await assert.rejects(
          f.target.apply({ ...s, releases: [f.release('v1', 1)], faults: { v1: { errorRatio: 1 } } }),
        );
      }
      if (!caps.images) {
        const image = {
          ...f.release('v1', 1),
          artifact: {
            type: 'image' as const,
            image: 'example.org/app:1',
            digest: `sha256:${'0'.repeat(64)}`,
          },
        };
        await assert.rejects(f.target.apply({ ...s, releases: [image] }), /image/);
      }
      if (caps.faultInjection && caps.images) t.skip('this target has every optional ability');
    });

    it('refuses a write fenced by an older lease token', async () => {
      const s = site();
      await f.target.apply({ ...s, releases: [f.release('v1', 1)] }, 5);
      await assert.rejects(f.target.apply({ ...s, releases: [f.release('v1', 2)] }, 4));
    });

    it('refuses an older lease token that only another control plane wrote with (the newest is kept in the data plane)', async () => {
      const s = site();
      await f.target.apply({ ...s, releases: [f.release('v1', 1)] }, 15);
      const other = await f.peer();
      await assert.rejects(other.apply({ ...s, releases: [f.release('v1', 2)] }, 14), /\b14\b[^]*\b15\b/);
    });
  });
}
