import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DelegatingTarget } from './delegating.ts';

/** What a delegating target's test gives the contract suite. */
export interface DelegatingFixture {
  readonly target: DelegatingTarget;
  /** An image pinned by digest the target does not run yet. */
  readonly image: string;
  /** Makes the thing it drives change by itself (its controller moving on); undefined when it never does. */
  readonly change?: () => void;
  /** Writes the target sent so far (to check idempotence); undefined when it sends none. */
  readonly writes?: () => number;
  close(): Promise<void>;
}

/**
 * The behaviour every delegating target keeps, run by each implementation's test:
 * `delegatingContract('argo-rollouts', async () => fixture)`. A case an implementation cannot
 * keep is skipped with its reason.
 */
export function delegatingContract(name: string, make: () => Promise<DelegatingFixture>): void {
  describe(`DelegatingTarget contract: ${name}`, () => {
    let f: DelegatingFixture;
    before(async () => {
      f = await make();
    });
    after(async () => {
      f.target.close();
      await f.close();
    });

    it('names what it drives and reports one of the four phases, with its plan', async () => {
      assert.notEqual(f.target.name, '');
      const s = await f.target.status();
      assert.ok(['Progressing', 'Paused', 'Healthy', 'Degraded'].includes(s.phase), s.phase);
      assert.ok(Array.isArray(s.plan));
      assert.ok(s.steps >= 0);
    });

    it('sets the image once: the status then reports it, and setting it again writes nothing', async (t) => {
      if (f.writes === undefined) return t.skip('this target runs nothing');
      await f.target.setImage(f.image);
      assert.equal((await f.target.status()).image, f.image);
      const written = f.writes();
      await f.target.setImage(f.image);
      assert.equal(f.writes(), written);
    });

    it('calls onChange listeners when what it drives changes by itself', async (t) => {
      if (f.change === undefined) return t.skip('nothing it drives changes by itself');
      let calls = 0;
      f.target.onChange(() => calls++);
      await f.target.status();
      await new Promise((r) => setTimeout(r, 200));
      const before = calls;
      f.change();
      const deadline = Date.now() + 5000;
      while (calls === before) {
        assert.ok(Date.now() < deadline, 'no change was reported');
        await new Promise((r) => setTimeout(r, 20));
      }
    });

    it('closes twice without harm', () => {
      f.target.close();
      f.target.close();
    });
  });
}
