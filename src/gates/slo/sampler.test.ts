import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { emptyEnvironment } from '../../deploy/environment-state.ts';
import type { Clock } from '../../engine/clock.ts';
import { SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { MetricSampleRecord } from '../../store/store.ts';
import { sampleFrom, SloSampler } from './sampler.ts';
import type { CounterSnapshots, VersionCounts } from './sampler.ts';
import { StoredCounterSource } from './stored-counter-source.ts';

const T0 = Date.parse('2025-06-02T12:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const PROD = { service: 'checkout-api', environment: 'production' };

function manualClock(start = T0): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => new Date(now),
    sleep: async () => undefined,
    advance: (ms) => void (now += ms),
  };
}

async function storeWith(...series: { service: string; environment: string }[]): Promise<SqliteStore> {
  const store = new SqliteStore(':memory:');
  for (const { service, environment } of series) {
    await store.saveDeployment({
      environment: emptyEnvironment(service, environment, 4000, new Date(T0)),
      at: new Date(T0).toISOString(),
    });
  }
  return store;
}

/** A data plane whose counts the test sets; an environment without counts fails like an unknown site. */
function counters(): CounterSnapshots & { set(key: string, versions: VersionCounts[]): void } {
  const counts = new Map<string, VersionCounts[]>();
  return {
    set: (key, versions) => void counts.set(key, versions),
    snapshot: async (service, environment) => {
      const versions = counts.get(`${service}/${environment}`);
      if (!versions) throw new Error(`no site ${service}/${environment}`);
      return versions;
    },
  };
}

const v = (version: string, total: number, errors: number): VersionCounts => ({ version, total, errors });

describe('sampleFrom', () => {
  const at = new Date(T0);

  it('sums every version, so the sample is the availability of the service', () => {
    assert.deepEqual(sampleFrom(PROD, at, [v('v1', 900, 3), v('v2', 100, 7)]), {
      ...PROD,
      at: at.toISOString(),
      total: 1000,
      errors: 10,
    });
    assert.deepEqual(sampleFrom(PROD, at, []), { ...PROD, at: at.toISOString(), total: 0, errors: 0 });
  });

  it('marks a restart when any version went back or vanished, even if the sum grew', () => {
    const before = [v('v1', 900, 3), v('v2', 100, 7)];
    const sample = (versions: VersionCounts[]) => sampleFrom(PROD, at, versions, before).reset;
    assert.equal(sample([v('v1', 950, 3), v('v2', 120, 7)]), undefined, 'both grew');
    assert.equal(sample([v('v1', 950, 3), v('v2', 120, 7), v('v3', 5, 0)]), undefined, 'a new version');
    assert.equal(sample([v('v1', 5000, 3), v('v2', 10, 1)]), true, 'v2 went back');
    assert.equal(sample([v('v1', 5000, 3), v('v2', 120, 6)]), true, 'v2 errors went back');
    assert.equal(sample([v('v1', 5000, 30)]), true, 'v2 vanished');
  });

  it('refuses impossible counts, naming the version', () => {
    assert.throws(
      () => sampleFrom(PROD, at, [v('v1', 1, 2)]),
      /version v1 of checkout-api in production reported total 1 and errors 2/,
    );
    assert.throws(() => sampleFrom(PROD, at, [v('v1', Number.NaN, 0)]), /total NaN/);
  });
});

describe('SloSampler', () => {
  it('stores one sample per environment per pass, at the clock time, and skips one it cannot read', async () => {
    const staging = { service: 'checkout-api', environment: 'staging' };
    const store = await storeWith(PROD, staging);
    const clock = manualClock();
    const lines: string[] = [];
    const data = counters();
    const sampler = new SloSampler({ store, counters: data, clock, log: (l) => lines.push(l) });
    data.set('checkout-api/production', [v('v1', 100, 1)]);

    const first = await sampler.sample();
    assert.deepEqual(first, [{ ...PROD, at: new Date(T0).toISOString(), total: 100, errors: 1 }]);
    clock.advance(10 * SECOND);
    await sampler.sample();
    assert.deepEqual(lines, [
      'slo sampler: cannot read the counters of checkout-api/staging: no site checkout-api/staging',
    ]);

    data.set('checkout-api/staging', [v('v1', 7, 0)]);
    data.set('checkout-api/production', [v('v1', 40, 0), v('v2', 200, 2)]); // v1 restarted, sum grew
    clock.advance(10 * SECOND);
    await sampler.sample();
    assert.equal(lines.at(-1), 'slo sampler: reading the counters of checkout-api/staging again');
    assert.deepEqual(
      (await store.metricSamples(PROD)).map((s) => [s.total, s.errors, s.reset ?? false]),
      [
        [100, 1, false],
        [100, 1, false],
        [240, 2, true],
      ],
    );
    assert.equal((await store.metricSamples(staging)).length, 1);
    // the restart counts the 240 requests since, not 240 - 100
    const increase = await new StoredCounterSource(store, PROD).increase(
      new Date(T0),
      new Date(T0 + 20 * SECOND),
    );
    assert.deepEqual(increase, { total: 240, errors: 2, coveredMs: 20 * SECOND });
    await store.close();
  });

  it('thins samples past the full resolution and deletes those past the retention, keeping every increase', async () => {
    const store = await storeWith(PROD);
    const clock = manualClock(T0 + 4 * HOUR);
    const sampler = new SloSampler({
      store,
      counters: counters(),
      clock,
      log: () => undefined,
      retentionMs: 3 * HOUR,
      fullResolutionMs: HOUR,
    });
    assert.equal(sampler.maxGapMs, 5 * MINUTE);
    // a sample every 10 s for 4 hours: 12 requests and 1 error each, a restart 2 hours in
    const samples: MetricSampleRecord[] = [];
    let total = 0;
    for (let s = 0; s <= 4 * 3600; s += 10) {
      if (s === 2 * 3600) total = 0;
      else if (s > 0) total += 12;
      samples.push({ ...PROD, at: new Date(T0 + s * SECOND).toISOString(), total, errors: total / 12 });
    }
    await store.recordMetricSamples(samples);
    const source = new StoredCounterSource(store, PROD);
    const window = [new Date(T0 + HOUR), new Date(T0 + 4 * HOUR)] as const;
    const before = await source.increase(...window);

    await sampler.compact();
    const kept = await store.metricSamples(PROD);
    const at = (r: MetricSampleRecord) => (Date.parse(r.at) - T0) / MINUTE;
    assert.equal(at(kept[0]!), 60, 'samples older than 3 hours are gone');
    const thinned = kept.filter((r) => at(r) <= 180);
    const full = kept.filter((r) => at(r) > 180);
    assert.equal(full.length, 360, 'the last hour keeps a sample every 10 s');
    assert.ok(thinned.length <= 2 * 25 + 2, `${thinned.length} samples kept for 2 hours`);
    assert.ok(
      thinned.some((r) => at(r) === 120) && thinned.some((r) => at(r) === 120 - 1 / 6),
      'both samples around the restart are kept',
    );
    assert.deepEqual(await source.increase(...window), before);
    assert.deepEqual(before, { total: (3 * 360 - 1) * 12, errors: 3 * 360 - 1, coveredMs: 3 * HOUR });

    // a second compaction an hour later thins only what aged since
    clock.advance(HOUR);
    const count = (await store.metricSamples(PROD)).length;
    await sampler.compact();
    const again = await store.metricSamples(PROD);
    assert.ok(again.length < count - 300, `${count} → ${again.length}`);
    await store.close();
  });

  it('samples on its own every interval until closed', async () => {
    const store = await storeWith(PROD);
    const data = counters();
    data.set('checkout-api/production', [v('v1', 1, 0)]);
    const clock: Clock = { now: () => new Date(), sleep: async () => undefined };
    const sampler = new SloSampler({ store, counters: data, clock, log: () => undefined, intervalMs: 20 });
    sampler.start();
    await sleep(150);
    await sampler.close();
    const count = (await store.metricSamples(PROD)).length;
    assert.ok(count >= 3, `${count} samples`);
    await sleep(60);
    assert.equal((await store.metricSamples(PROD)).length, count, 'no sample after close');
    await store.close();
  });

  it('refuses intervals and retentions that make no sense, naming the value', () => {
    const base = {
      store: new SqliteStore(':memory:'),
      counters: counters(),
      clock: manualClock(),
      log: () => undefined,
    };
    assert.throws(() => new SloSampler({ ...base, intervalMs: 0 }), /invalid intervalMs 0/);
    assert.throws(() => new SloSampler({ ...base, retentionMs: -1 }), /invalid retentionMs -1/);
    assert.throws(
      () => new SloSampler({ ...base, retentionMs: HOUR, fullResolutionMs: HOUR }),
      /invalid fullResolutionMs 3600000/,
    );
    assert.equal(new SloSampler({ ...base, intervalMs: 5 * MINUTE }).maxGapMs, 15 * MINUTE);
  });
});
