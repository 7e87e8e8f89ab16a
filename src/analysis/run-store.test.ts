import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { harness } from './executor.fixture.ts';
import { runRecord, isFinishedRecord } from './run-record.ts';
import { MemoryRunStore, storeBackedRuns, type AnalysisRunStore } from './run-store.ts';
import { createRun } from './analysis-run.ts';
import { oneMetric, T0 } from './analysis.fixture.ts';
import { VirtualTime } from './scheduler.ts';

const running = runRecord(
  { runId: 'checkout-api-7#1/step-2', templates: ['t'], args: {} },
  createRun({ templates: [oneMetric({})], startedAt: T0 }),
);
const finished = { ...running, phase: 'failed' as const, run: { ...running.run, phase: 'failed' as const } };

/** The behaviour every analysis run store shares. */
function runStoreContract(name: string, make: () => AnalysisRunStore): void {
  describe(`${name} analysis run store`, () => {
    it('loads what it saved, and nothing for an unknown run', async () => {
      const store = make();
      await store.save('checkout-api-7#1/step-2', running);
      assert.deepEqual(await store.load('checkout-api-7#1/step-2'), running);
      assert.equal(await store.load('nope#1/step-0'), undefined);
    });

    it('lists unfinished runs as active, and forgets them once finished', async () => {
      const store = make();
      await store.save('checkout-api-7#1/step-2', running);
      await store.save('checkout-api-7#1/background', {
        ...running,
        request: { ...running.request, runId: 'checkout-api-7#1/background' },
      });
      assert.deepEqual((await store.active()).map((r) => r.runId).sort(), [
        'checkout-api-7#1/background',
        'checkout-api-7#1/step-2',
      ]);
      await store.save('checkout-api-7#1/step-2', finished);
      assert.deepEqual(
        (await store.active()).map((r) => r.runId),
        ['checkout-api-7#1/background'],
      );
      assert.equal(isFinishedRecord(await store.load('checkout-api-7#1/step-2')), true);
    });

    it('backs an executor that a restart resumes', async () => {
      const store = make();
      const vt = new VirtualTime(T0);
      const yaml = JSON.stringify({
        t: {
          metrics: [
            {
              name: 'm',
              provider: { prometheus: { query: 'q' } },
              success: 'result < 1',
              interval: '1m',
              count: 3,
            },
          ],
        },
      });
      const first = harness(yaml, () => 0.5, { store, vt });
      first.executor.start({ runId: 'checkout-api-7#1/step-2', templates: ['t'], args: {} });
      await first.advance(61_000);
      first.executor.close();
      const second = harness(yaml, () => 0.5, { store, vt });
      second.executor.resume();
      await second.runUntil(() => second.executor.phase('checkout-api-7#1/step-2') !== 'running');
      assert.equal(second.executor.phase('checkout-api-7#1/step-2'), 'successful');
      assert.equal(first.asked.length + second.asked.length, 3);
      assert.deepEqual(await store.active(), []);
    });
  });
}

runStoreContract('memory', () => new MemoryRunStore());
runStoreContract('sqlite (the control plane Store)', () => storeBackedRuns(new SqliteStore(':memory:')));

describe('storeBackedRuns', () => {
  it('files a run under the rollout its id names, with the finished flag', async () => {
    const calls: unknown[][] = [];
    const store = storeBackedRuns({
      saveAnalysisRun: async (...args) => void calls.push(args),
      loadAnalysisRun: async () => undefined,
      activeAnalysisRuns: async () => [],
    });
    await store.save('checkout-api-7#1/step-2', finished);
    assert.deepEqual(calls, [['checkout-api-7#1/step-2', 'checkout-api-7', finished, true]]);
  });
});
