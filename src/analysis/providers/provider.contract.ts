import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROVIDER_KINDS } from '../provider.ts';
import type { MeasureContext, MetricQuery, Provider, ProviderKind } from '../provider.ts';

/** A measurement context for tests: `now`, `args` and a signal nobody aborts unless given. */
export function testContext(
  args: Record<string, string> = {},
  options: { now?: Date; signal?: AbortSignal } = {},
): MeasureContext {
  return {
    now: options.now ?? new Date('2026-01-06T10:00:00.000Z'),
    signal: options.signal ?? new AbortController().signal,
    args,
  };
}

/** What the contract suite needs: a provider and a query it can measure (value or error). */
export interface ContractSetup {
  readonly provider: Provider;
  readonly query: MetricQuery;
  readonly args?: Record<string, string>;
}

/** The behaviour every provider shares; each provider's test calls it with its own setup. */
export function providerContract(
  kind: ProviderKind,
  setup: () => ContractSetup | Promise<ContractSetup>,
): void {
  describe(`${kind} provider contract`, () => {
    it('is named after its kind', async () => {
      assert.equal((await setup()).provider.name, kind);
    });

    it('answers with either a value or an error', async () => {
      const { provider, query, args } = await setup();
      const m = await provider.measure(query, testContext(args));
      assert.equal(Number('value' in m) + Number('error' in m), 1, JSON.stringify(m));
    });

    it('answers a query meant for another provider with an error naming both kinds', async () => {
      const { provider, query, args } = await setup();
      const other = PROVIDER_KINDS.find((k) => k !== kind) as ProviderKind;
      const foreign = { ...query, provider: { ...query.provider, kind: other } } as MetricQuery;
      const m = await provider.measure(foreign, testContext(args));
      assert.ok('error' in m);
      assert.match(m.error, new RegExp(`${kind}.*${other}`));
    });

    it('answers a malformed query with an error instead of throwing', async () => {
      const { provider, args } = await setup();
      const m = await provider.measure(
        { metric: 'broken', provider: null } as unknown as MetricQuery,
        testContext(args),
      );
      assert.ok('error' in m);
    });

    it('answers an already-cancelled measurement with an error', async () => {
      const { provider, query, args } = await setup();
      const m = await provider.measure(query, testContext(args, { signal: AbortSignal.abort() }));
      assert.ok('error' in m);
      assert.match(m.error, /cancelled/);
    });

    it('tells whether its backend is online with a boolean, when it can tell', async (t) => {
      const { provider } = await setup();
      if (!provider.online) return t.skip(`${kind} has no backend of its own to ask`);
      assert.equal(typeof (await provider.online()), 'boolean');
    });
  });
}
