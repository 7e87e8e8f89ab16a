import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestMetrics } from '../agent/metrics/request-metrics.ts';
import { MIN, SEC, SEED_TEMPLATES_YAML, T0 } from './analysis.fixture.ts';
import { AnalysisExecutor, type RunExplanation } from './executor.ts';
import { harness, type PromScript } from './executor.fixture.ts';
import { isFinishedRecord, readRunRecord, type RunRecord } from './run-record.ts';
import { MemoryRunStore, type AnalysisRunStore, type StoredRun } from './run-store.ts';
import { realScheduler, VirtualTime } from './scheduler.ts';

const SEED_ERROR_RATE =
  'sum(rate(http_requests_total{service="checkout-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="checkout-api"}[5m]))';
const SEED_P95 =
  'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{service="checkout-api"}[5m])) by (le))';
const args = { service: 'checkout-api' };

/** Answers the seed's two queries with fixed values. */
const seedAnswers =
  (errorRate: number, p95: number): PromScript =>
  (query) =>
    query === SEED_ERROR_RATE ? errorRate : query === SEED_P95 ? p95 : { status: 400, body: 'unknown query' };

const one = (metric: Record<string, unknown>) =>
  JSON.stringify({
    t: {
      metrics: [
        {
          name: 'error-rate',
          provider: { prometheus: { query: 'errors' } },
          success: 'result < 0.02',
          ...metric,
        },
      ],
    },
  });

const explained = (h: { executor: AnalysisExecutor }, runId: string) =>
  h.executor.explain(runId) as RunExplanation;

describe('AnalysisExecutor', () => {
  it('runs the seed slo-burn-check to successful: one measurement per metric, args filled into the PromQL', async () => {
    const h = harness(SEED_TEMPLATES_YAML, seedAnswers(0.004, 0.21));
    h.executor.start({ runId: 'r1', templates: ['slo-burn-check'], args });
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.equal(h.executor.phase('r1'), 'successful');
    assert.deepEqual(
      h.asked.map((a) => a.query),
      [SEED_ERROR_RATE, SEED_P95],
    );
    assert.deepEqual(h.executor.verdicts(), { r1: 'successful' });
    const why = explained(h, 'r1');
    assert.equal(why.message, 'all 2 counted metrics successful');
    assert.deepEqual(
      why.metrics.map((m) => [m.name, m.phase, m.measurements.map((x) => x.value)]),
      [
        ['error-rate', 'successful', [0.004]],
        ['latency-p95', 'successful', [0.21]],
      ],
    );
    assert.equal(why.metrics[0]?.query, SEED_ERROR_RATE);
  });

  it('the seed slo-burn-check fails on an error rate of 0.031, with the condition and value in explain', async () => {
    const h = harness(SEED_TEMPLATES_YAML, seedAnswers(0.031, 0.21));
    h.executor.start({ runId: 'r1', templates: ['slo-burn-check'], args });
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.equal(h.executor.phase('r1'), 'failed');
    assert.equal(
      explained(h, 'r1').message,
      'error-rate failed: 1 failed measurement exceeds failureLimit 0 (last: result < 0.02 is false for 0.031)',
    );
  });

  it('measures on each interval: count 3 every 1m asks at +0, +1m, +2m of virtual time', async () => {
    const h = harness(one({ interval: '1m', count: 3 }), () => 0.01);
    h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.equal(h.executor.phase('r1'), 'successful');
    assert.deepEqual(
      h.asked.map((a) => a.at),
      [T0, new Date(T0.getTime() + MIN), new Date(T0.getTime() + 2 * MIN)].map((d) => d.toISOString()),
    );
  });

  it('initialDelay postpones the first measurement', async () => {
    const h = harness(one({ initialDelay: '30s' }), () => 0.01);
    h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    await h.advance(29 * SEC);
    assert.equal(h.asked.length, 0);
    assert.equal(h.executor.phase('r1'), 'running');
    await h.advance(1 * SEC);
    assert.deepEqual(
      h.asked.map((a) => a.at),
      [new Date(T0.getTime() + 30 * SEC).toISOString()],
    );
    assert.equal(h.executor.phase('r1'), 'successful');
  });

  it('a failureLimit override from the rollout step tolerates one failed measurement', async () => {
    const values = [0.05, 0.01, 0.01];
    const h = harness(one({ interval: '1m', count: 3 }), (_q, n) => values[n] ?? 0.01);
    h.executor.start({ runId: 'strict', templates: ['t'], args: {} });
    await h.runUntil(() => h.executor.phase('strict') !== 'running');
    assert.equal(h.executor.phase('strict'), 'failed');

    const h2 = harness(one({ interval: '1m', count: 3 }), (_q, n) => values[n] ?? 0.01);
    h2.executor.start({ runId: 'lenient', templates: ['t'], args: {}, failureLimit: 1 });
    await h2.runUntil(() => h2.executor.phase('lenient') !== 'running');
    assert.equal(h2.executor.phase('lenient'), 'successful');
    assert.equal(explained(h2, 'lenient').metrics[0]?.limits.failureLimit, 1);
  });

  it('an intervalMs override from the rollout step sets the pace', async () => {
    const h = harness(one({ interval: '1m', count: 2 }), () => 0.01);
    h.executor.start({ runId: 'r1', templates: ['t'], args: {}, intervalMs: 10 * SEC });
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.deepEqual(
      h.asked.map((a) => a.at),
      [T0, new Date(T0.getTime() + 10 * SEC)].map((d) => d.toISOString()),
    );
  });

  describe('provider outage behaviour', () => {
    const refused = { down: 'connect ECONNREFUSED 10.0.0.9:9090' };

    it('Prometheus unreachable: error measurements every 10s, the run ends error after consecutiveErrorLimit, the provider error in explain', async () => {
      const h = harness(one({ interval: '1m' }), (_q, n) => (n < 2 ? 0.01 : refused));
      h.executor.start({ runId: 'bg', templates: ['t'], args: {} });
      await h.runUntil(() => h.executor.phase('bg') !== 'running');
      assert.equal(h.executor.phase('bg'), 'error');
      const started = (i: number) => h.asked[i]?.at;
      assert.equal(h.asked.length, 2 + 5);
      assert.equal(started(2), new Date(T0.getTime() + 2 * MIN).toISOString());
      assert.equal(started(3), new Date(T0.getTime() + 2 * MIN + 10 * SEC).toISOString());
      assert.equal(started(6), new Date(T0.getTime() + 2 * MIN + 40 * SEC).toISOString());
      const why = explained(h, 'bg');
      assert.equal(
        why.message,
        'error-rate error: 5 consecutive errors exceed consecutiveErrorLimit 4 (last: cannot reach prometheus at http://prometheus.test:9090: connect ECONNREFUSED 10.0.0.9:9090)',
      );
      const last = why.metrics[0]?.measurements.at(-1);
      assert.equal(last?.phase, 'error');
      assert.match(last?.message ?? '', /ECONNREFUSED/);
      assert.deepEqual(h.executor.verdicts(), { bg: 'error' });
    });

    it('an outage shorter than consecutiveErrorLimit is ridden out: one good answer resets the streak', async () => {
      const script: PromScript = (_q, n) => (n >= 1 && n <= 4 ? refused : 0.01);
      const h = harness(one({ interval: '1m', count: 3 }), script);
      h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
      await h.runUntil(() => h.executor.phase('r1') !== 'running');
      assert.equal(h.executor.phase('r1'), 'successful');
      assert.deepEqual(explained(h, 'r1').metrics[0]?.counts, {
        measured: 3,
        successful: 3,
        failed: 0,
        inconclusive: 0,
        error: 4,
        consecutiveError: 0,
      });
    });

    it('consecutiveErrorLimit 0 ends the run at the first error', async () => {
      const h = harness(one({ consecutiveErrorLimit: 0 }), () => refused);
      h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
      await h.runUntil(() => h.executor.phase('r1') !== 'running');
      assert.equal(h.executor.phase('r1'), 'error');
      assert.equal(h.asked.length, 1);
    });

    it('Prometheus answering 503 garbage or an empty vector are errors too, never a pass', async () => {
      const answers = [{ status: 503, body: '<html>down</html>' }, 'empty' as const];
      for (const answer of answers) {
        const h = harness(one({ consecutiveErrorLimit: 0 }), () => answer);
        h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
        await h.runUntil(() => h.executor.phase('r1') !== 'running');
        assert.equal(h.executor.phase('r1'), 'error');
      }
    });

    it('a query that never answers becomes an error after the provider timeout plus 10s; its late answer is ignored', async () => {
      const h = harness(one({ consecutiveErrorLimit: 0 }), () => 'hang');
      h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
      await h.advance(39 * SEC);
      assert.equal(h.executor.phase('r1'), 'running');
      await h.advance(1 * SEC);
      assert.equal(h.executor.phase('r1'), 'error');
      assert.match(explained(h, 'r1').message ?? '', /no result within 40s of asking/);
    });
  });

  it('saves before a measurement counts: the judged state is in the store before the verdict is visible', async () => {
    const seen: { saved: string; visible: string | undefined }[] = [];
    const ref: { executor?: AnalysisExecutor } = {};
    const memory = new MemoryRunStore();
    const store: AnalysisRunStore = {
      save(runId, state) {
        memory.save(runId, state);
        seen.push({ saved: (state as RunRecord).phase, visible: ref.executor?.phase(runId) });
      },
      load: (runId) => memory.load(runId),
      active: () => memory.active(),
    };
    const h = harness(one({}), () => 0.5, { store });
    ref.executor = h.executor;
    h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.deepEqual(seen, [
      { saved: 'running', visible: 'running' },
      { saved: 'failed', visible: 'running' },
    ]);
    assert.equal(h.executor.phase('r1'), 'failed');
    assert.equal((memory.load('r1') as RunRecord).run.metrics[0]?.result.failed, 1);
  });

  it('a store that cannot save holds the measurement back and tries again every second', async () => {
    const memory = new MemoryRunStore();
    let broken = false;
    const store: AnalysisRunStore = {
      save(runId, state) {
        if (broken) throw new Error('database is locked');
        memory.save(runId, state);
      },
      load: (runId) => memory.load(runId),
      active: () => memory.active(),
    };
    const h = harness(one({}), () => 0.5, { store });
    h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    broken = true;
    await h.executor.settled();
    assert.equal(h.executor.phase('r1'), 'running');
    assert.equal(explained(h, 'r1').storeError, 'cannot save the run: database is locked');
    await h.advance(5 * SEC);
    assert.equal(h.executor.phase('r1'), 'running');
    broken = false;
    await h.advance(1 * SEC);
    assert.equal(h.executor.phase('r1'), 'failed');
    assert.equal(explained(h, 'r1').storeError, undefined);
    assert.equal(h.asked.length, 1);
  });

  it('an asynchronous store (the control plane Store returns promises) gives the same run', async () => {
    const memory = new MemoryRunStore();
    const store: AnalysisRunStore = {
      save: async (runId, state) => memory.save(runId, state),
      load: async (runId) => memory.load(runId),
      active: async () => memory.active(),
    };
    const h = harness(SEED_TEMPLATES_YAML, seedAnswers(0.004, 0.21), { store });
    h.executor.start({ runId: 'r1', templates: ['slo-burn-check'], args });
    assert.equal(h.executor.phase('r1'), 'running');
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.equal(h.executor.phase('r1'), 'successful');
    assert.equal(isFinishedRecord(memory.load('r1')), true);
  });

  it('start is idempotent: a known runId is left alone', async () => {
    const h = harness(one({ interval: '1m', count: 2 }), () => 0.01);
    h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    h.executor.start({ runId: 'r1', templates: ['other'], args: {} });
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.equal(h.asked.length, 2);
    assert.equal(h.executor.phase('r1'), 'successful');
  });

  it('stop ends a background run (interval, no count) successful, and is idempotent', async () => {
    const h = harness(one({ interval: '1m' }), () => 0.01);
    h.executor.start({ runId: 'bg', templates: ['t'], args: {} });
    await h.advance(5 * MIN);
    assert.equal(h.executor.phase('bg'), 'running');
    assert.deepEqual(h.executor.verdicts(), {});
    h.executor.stop('bg');
    await h.executor.settled();
    h.executor.stop('bg');
    h.executor.stop('never-started');
    assert.equal(h.executor.phase('bg'), 'successful');
    assert.equal(h.asked.length, 6);
    assert.match(explained(h, 'bg').lines.at(-1) ?? '', /run successful/);
    assert.equal(h.vt.pending, 0);
  });

  it('stopping a run with a measurement in flight cancels the query', async () => {
    const h = harness(one({ interval: '1m' }), () => 'hang');
    h.executor.start({ runId: 'bg', templates: ['t'], args: {} });
    await h.advance(1 * SEC);
    assert.equal(explained(h, 'bg').metrics[0]?.measurements.at(-1)?.phase, 'running');
    h.executor.stop('bg');
    await h.executor.settled();
    assert.equal(h.executor.phase('bg'), 'successful');
    assert.deepEqual(explained(h, 'bg').metrics[0]?.measurements, []);
  });

  it('verdicts() lists finished runs only', async () => {
    const h = harness(one({ interval: '1m', count: 2 }), () => 0.01);
    h.executor.start({ runId: 'inline', templates: ['t'], args: {} });
    h.executor.start({ runId: 'background', templates: ['t'], args: {}, intervalMs: 10 * SEC });
    await h.advance(0);
    assert.deepEqual(h.executor.verdicts(), {});
    await h.runUntil(() => h.executor.phase('background') !== 'running');
    assert.deepEqual(h.executor.verdicts(), { background: 'successful' });
    await h.runUntil(() => h.executor.phase('inline') !== 'running');
    assert.deepEqual(h.executor.verdicts(), { background: 'successful', inline: 'successful' });
  });

  it('resume after a restart: a new executor on the same store continues, asks the lost query again, same verdict', async () => {
    const store = new MemoryRunStore();
    const values = [0.01, 0.01, 0.05];
    const template = one({ interval: '1m', count: 3 });
    const vt = new VirtualTime(T0);
    const first = harness(template, () => 'hang', { store, vt });
    first.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    await first.advance(0);
    first.executor.close();
    assert.deepEqual(
      store.active().map((r: StoredRun) => r.runId),
      ['r1'],
    );

    vt.advanceBy(5 * SEC);
    const second = harness(template, (_q, n) => values[n] ?? 0.01, { store, vt });
    second.executor.resume();
    await second.runUntil(() => second.executor.phase('r1') !== 'running');
    assert.equal(second.executor.phase('r1'), 'failed');
    assert.deepEqual(
      second.asked.map((a) => a.at),
      [5 * SEC, 5 * SEC + MIN, 5 * SEC + 2 * MIN].map((ms) => new Date(T0.getTime() + ms).toISOString()),
    );
    const measurements = explained(second, 'r1').metrics[0]?.measurements ?? [];
    assert.equal(measurements[0]?.startedAt, T0.toISOString());
    assert.deepEqual(store.active(), []);
  });

  it('start of a run that finished before a restart reports the stored verdict without measuring', async () => {
    const store = new MemoryRunStore();
    const first = harness(one({}), () => 0.5, { store });
    first.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    await first.runUntil(() => first.executor.phase('r1') !== 'running');
    first.executor.close();

    const second = harness(one({}), () => 0.01, { store });
    second.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    await second.executor.settled();
    assert.deepEqual(second.executor.verdicts(), { r1: 'failed' });
    assert.equal(second.asked.length, 0);
    assert.deepEqual(second.changes, ['r1']);
  });

  it('stop of a run a restarted executor has not loaded yet still stops it', async () => {
    const store = new MemoryRunStore();
    const vt = new VirtualTime(T0);
    const first = harness(one({ interval: '1m' }), () => 0.01, { store, vt });
    first.executor.start({ runId: 'bg', templates: ['t'], args: {} });
    await first.executor.settled();
    first.executor.close();

    const second = harness(one({ interval: '1m' }), () => 0.01, { store, vt });
    second.executor.stop('bg');
    second.executor.resume();
    await second.executor.settled();
    assert.equal(second.executor.phase('bg'), 'successful');
    assert.equal(isFinishedRecord(store.load('bg')), true);
  });

  it('an unknown template or a missing argument ends the run in error with the reason (fail closed)', async () => {
    const h = harness(
      `${SEED_TEMPLATES_YAML}\nneeds-arg:\n  args: [{ name: threshold }]\n  metrics:\n    - { name: m, provider: { prometheus: { query: up } }, success: 'result < {{ args.threshold }}' }\n`,
      () => 0.01,
    );
    h.executor.start({ runId: 'a', templates: ['slo-burn-chek'], args });
    h.executor.start({ runId: 'b', templates: ['needs-arg'], args });
    await h.executor.settled();
    assert.deepEqual(h.executor.verdicts(), { a: 'error', b: 'error' });
    assert.equal(
      explained(h, 'a').message,
      'cannot start: analysis.slo-burn-chek: unknown template "slo-burn-chek" (known: smoke-check, slo-burn-check, synthetic-check, needs-arg)',
    );
    assert.match(explained(h, 'b').message ?? '', /argument "threshold" has no value/);
    assert.equal(h.asked.length, 0);
  });

  it('an unreadable stored run ends in error instead of being guessed', async () => {
    const store = new MemoryRunStore();
    store.save('r1', { format: 'runway.analysis-run/9', phase: 'running' });
    const h = harness(one({}), () => 0.01, { store });
    h.executor.resume();
    await h.executor.settled();
    assert.equal(h.executor.phase('r1'), 'error');
    assert.match(explained(h, 'r1').message ?? '', /unreadable: unknown format "runway.analysis-run\/9"/);
  });

  it('misconfiguration fails at construction: invalid templates, builtin without the data plane metrics', () => {
    const base = { store: new MemoryRunStore(), clock: { now: () => T0 }, providerDeps: {} };
    assert.throws(() => new AnalysisExecutor({ ...base, templates: { t: { metrics: [{ name: 'm' }] } } }), {
      name: 'AnalysisConfigError',
    });
    const builtin = {
      t: { metrics: [{ name: 'm', provider: { builtin: { metric: 'error-rate' } }, success: 'result < 1' }] },
    };
    assert.throws(() => new AnalysisExecutor({ ...base, templates: builtin }), {
      name: 'ProviderConfigError',
    });
  });

  it('keeps one timer per run, and close() cancels timers and queries', async () => {
    const h = harness(one({ interval: '1m' }), (_q, n) => (n % 2 === 0 ? 0.01 : 'hang'));
    for (const runId of ['a', 'b', 'c']) h.executor.start({ runId, templates: ['t'], args: {} });
    for (let i = 0; i < 20; i++) {
      await h.advance(17 * SEC);
      assert.ok(h.vt.pending <= 3, `${h.vt.pending} timers for 3 runs`);
    }
    h.executor.close();
    assert.equal(h.vt.pending, 0);
    assert.throws(() => h.executor.start({ runId: 'd', templates: ['t'], args: {} }), /closed/);
  });

  it('real timers are unref’d so a waiting run never keeps the process alive', () => {
    const timer = realScheduler.set(() => {}, 60_000) as ReturnType<typeof setTimeout>;
    assert.equal(timer.hasRef(), false);
    realScheduler.clear(timer);
  });

  it('onChange reports every persisted change; a throwing listener does not stop the run', async () => {
    const h = harness(one({ interval: '1m', count: 2 }), () => 0.01, {
      onChange: () => {
        throw new Error('listener bug');
      },
    });
    h.executor.start({ runId: 'r1', templates: ['t'], args: {} });
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.equal(h.executor.phase('r1'), 'successful');
    assert.ok(h.changes.length >= 3);
    assert.ok(h.changes.every((id) => id === 'r1'));
  });

  it('the builtin provider measures the real router counts of the canary version', async () => {
    const metrics = new RequestMetrics();
    const template = JSON.stringify({
      canary: {
        metrics: [
          {
            name: 'canary-errors',
            provider: { builtin: { metric: 'error-rate', window: '1m' } },
            success: 'result < 0.02',
            interval: '30s',
            count: 1,
          },
        ],
      },
    });
    const h = harness(template, () => 0.01, { deps: { builtin: { metrics } } });
    h.executor.start({
      runId: 'r1',
      templates: ['canary'],
      args: { service: 'checkout-api', 'canary.version': 'v2', 'stable.version': 'v1' },
    });
    await h.executor.settled();
    for (let i = 0; i < 100; i++) metrics.record('checkout-api', 'v2', i < 10 ? 500 : 200, 0.01);
    for (let i = 0; i < 100; i++) metrics.record('checkout-api', 'v1', 200, 0.01);
    await h.runUntil(() => h.executor.phase('r1') !== 'running');
    assert.equal(h.executor.phase('r1'), 'failed');
    const measurements = explained(h, 'r1').metrics[0]?.measurements ?? [];
    assert.match(measurements[0]?.message ?? '', /no window yet/);
    assert.equal(measurements[1]?.value, 0.1);
  });

  it('persists the record shape a store can read back', async () => {
    const store = new MemoryRunStore();
    const h = harness(one({}), () => 0.01, { store });
    h.executor.start({ runId: 'r1', templates: ['t'], args: { service: 's' } });
    await h.executor.settled();
    const record = readRunRecord(store.load('r1'));
    assert.ok(!('unreadable' in record));
    assert.deepEqual(record.request, { runId: 'r1', templates: ['t'], args: { service: 's' } });
    assert.equal(record.phase, 'successful');
  });
});
