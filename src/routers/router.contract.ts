import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../targets/target.ts';
import type { TrafficRouter } from './router.ts';

/** What a router's test gives the contract suite. */
export interface RouterFixture {
  readonly router: TrafficRouter;
  /** The (ready, serving) backends of `versions` for a site: each answers its version as the body. */
  backends(service: string, environment: string, versions: readonly string[]): Promise<readonly Backend[]>;
  /** Sends one request through the router's listener for the site; resolves with the version that answered. */
  send(service: string, environment: string): Promise<string>;
  /** The sites the router can serve (routers bound to one listener serve one). */
  readonly sites: readonly { readonly service: string; readonly environment: string }[];
  /**
   * The same router kind made afresh over the same data plane, as another control plane (or this
   * one after a restart) would make it: it shares nothing in memory with `router`.
   */
  peer(): Promise<TrafficRouter>;
  close(): Promise<void>;
}

/** Weights may differ from those set by this much per version (HAProxy's weights are whole numbers ≤ 256). */
const TOLERANCE = 4;

/**
 * The behaviour every TrafficRouter keeps, run by each implementation's test:
 * `routerContract('haproxy', async () => fixture)`.
 */
export function routerContract(name: string, make: () => Promise<RouterFixture>): void {
  describe(`TrafficRouter contract: ${name}`, () => {
    let f: RouterFixture;
    const close = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) => {
      const versions = new Set([...Object.keys(a), ...Object.keys(b)]);
      return [...versions].every((v) => Math.abs((a[v] ?? 0) - (b[v] ?? 0)) <= TOLERANCE);
    };

    it('sets up', async () => {
      f = await make();
    });
    after(async () => {
      await f?.close();
    });

    it('knows no routes for a site it was never given', async () => {
      assert.equal(await f.router.getRoutes('contract', 'never-given'), undefined);
    });

    it('reads back the weights it set, from the router itself', async () => {
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1', 'v2']);
      const splits: Record<string, number>[] = [
        { v1: 1000 },
        { v1: 900, v2: 100 },
        { v1: 500, v2: 500 },
        { v2: 1000 },
      ];
      for (const weights of splits) {
        await f.router.setRoutes({ ...s, routes: { weights }, backends });
        const read = await f.router.getRoutes(s.service, s.environment);
        assert.ok(read, 'routes are known after setRoutes');
        const positive = Object.fromEntries(Object.entries(read.weights).filter(([, w]) => w > 0));
        assert.ok(
          close(positive, weights),
          `set ${JSON.stringify(weights)}, read ${JSON.stringify(read.weights)}`,
        );
      }
    });

    it('puts a new split in force before setRoutes resolves', async () => {
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1', 'v2']);
      await f.router.setRoutes({ ...s, routes: { weights: { v1: 1000 } }, backends });
      for (let i = 0; i < 5; i++) assert.equal(await f.send(s.service, s.environment), 'v1');
      await f.router.setRoutes({ ...s, routes: { weights: { v2: 1000 } }, backends });
      for (let i = 0; i < 5; i++) assert.equal(await f.send(s.service, s.environment), 'v2');
      await f.router.setRoutes({ ...s, routes: { weights: { v1: 1000 } }, backends });
      for (let i = 0; i < 5; i++) assert.equal(await f.send(s.service, s.environment), 'v1');
    });

    it('splits traffic by the weights', async () => {
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1', 'v2']);
      await f.router.setRoutes({ ...s, routes: { weights: { v1: 750, v2: 250 } }, backends });
      const seen: Record<string, number> = {};
      for (let i = 0; i < 200; i++) {
        const v = await f.send(s.service, s.environment);
        seen[v] = (seen[v] ?? 0) + 1;
      }
      assert.ok((seen['v2'] ?? 0) >= 20 && (seen['v2'] ?? 0) <= 80, `v2 got ${seen['v2'] ?? 0} of 200`);
    });

    it('refuses weights that do not add up to 1000', async () => {
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1', 'v2']);
      await assert.rejects(f.router.setRoutes({ ...s, routes: { weights: { v1: 600, v2: 600 } }, backends }));
    });

    it('refuses header and cookie matches unless it can honour them', async (t) => {
      if (f.router.capabilities.matches) return t.skip('this router honours matches');
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1', 'v2']);
      await assert.rejects(
        f.router.setRoutes({
          ...s,
          routes: {
            weights: { v1: 1000 },
            matches: [{ header: { name: 'x-canary', value: '1' }, version: 'v2' }],
          },
          backends,
        }),
        /match/,
      );
    });

    it('counts requests per version when it has metrics', async (t) => {
      if (!f.router.capabilities.metrics) return t.skip('this router has no metrics');
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1', 'v2']);
      await f.router.setRoutes({ ...s, routes: { weights: { v2: 1000 } }, backends });
      const total = async () =>
        (await f.router.counts(s.service, s.environment))
          .filter((c) => c.version === 'v2')
          .reduce((a, c) => a + c.total, 0);
      const before = await total();
      for (let i = 0; i < 10; i++) await f.send(s.service, s.environment);
      assert.equal((await total()) - before, 10);
    });

    it('refuses a write fenced by an older lease token', async () => {
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1']);
      await f.router.setRoutes({ ...s, routes: { weights: { v1: 1000 } }, backends }, 7);
      await assert.rejects(f.router.setRoutes({ ...s, routes: { weights: { v1: 1000 } }, backends }, 6));
    });

    it('refuses an older lease token that only another control plane wrote with (the newest is kept in the data plane)', async () => {
      const s = f.sites[0]!;
      const backends = await f.backends(s.service, s.environment, ['v1']);
      const routes = { weights: { v1: 1000 } };
      await f.router.setRoutes({ ...s, routes, backends }, 12);
      const other = await f.peer();
      await assert.rejects(other.setRoutes({ ...s, routes, backends }, 11), /\b11\b[^]*\b12\b/);
      await other.setRoutes({ ...s, routes, backends }, 13);
      await assert.rejects(f.router.setRoutes({ ...s, routes, backends }, 12), /\b12\b[^]*\b13\b/);
    });
  });
}
