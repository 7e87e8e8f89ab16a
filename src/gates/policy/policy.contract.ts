import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GateInput } from './gate-input.ts';
import { inputDigest } from './input-digest.ts';
import type { Policy } from './policy.ts';

/** What a Policy implementation gives the contract suite. */
export interface PolicyUnderTest {
  policy: Policy;
  input: GateInput;
}

const NOW = new Date('2026-01-06T10:00:00.000Z');

/** The conformance suite every Policy implementation runs from its own test file. */
export function policyContract(label: string, make: () => PolicyUnderTest): void {
  describe(`Policy contract: ${label}`, () => {
    it('records who decided, when, and on which input', async () => {
      const { policy, input } = make();
      const decision = await policy.evaluate(input, NOW);
      assert.deepEqual(decision.policy, { name: policy.name, version: policy.version });
      assert.match(policy.version, /^sha256:[0-9a-f]{64}$/);
      assert.equal(decision.evaluatedAt, NOW.toISOString());
      assert.equal(decision.inputDigest, inputDigest(input));
      assert.deepEqual(decision.overrides, []);
    });

    it('allows only without violations', async () => {
      const { policy, input } = make();
      const decision = await policy.evaluate(input, NOW);
      assert.equal(decision.outcome === 'allow', decision.violations.length === 0);
    });

    it('resolves with a decision for inputs that are not gate inputs', async () => {
      const { policy } = make();
      for (const garbage of [null, [], 'release', 42, {}]) {
        const decision = await policy.evaluate(garbage as unknown as GateInput, NOW);
        assert.ok(['allow', 'deny'].includes(decision.outcome));
        assert.equal(decision.outcome === 'allow', decision.violations.length === 0);
      }
    });

    it('denies when now is not a valid time', async () => {
      const { policy, input } = make();
      const decision = await policy.evaluate(input, new Date(Number.NaN));
      assert.equal(decision.outcome, 'deny');
      assert.ok(decision.violations.some((v) => v.rule === 'now' && v.message === 'now is not a valid time'));
    });
  });
}
