import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_BUCKETS } from './histogram.ts';
import { RequestMetrics } from './request-metrics.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
}

/** A tiny parser of the Prometheus text format 0.0.4, strict enough to catch what Prometheus would reject. */
function parseExposition(text: string): Parsed {
  const parsed: Parsed = { help: new Map(), type: new Map(), samples: [] };
  assert.ok(text.endsWith('\n'), 'exposition ends with a line feed');
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      (kind === 'HELP' ? parsed.help : parsed.type).set(name, rest);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(m, `sample line: ${JSON.stringify(line)}`);
    const [, name, rawLabels, rawValue] = m as unknown as [string, string, string | undefined, string];
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : Number(rawValue);
    assert.ok(!Number.isNaN(value) || rawValue === 'NaN', `value ${rawValue}`);
    parsed.samples.push({ name, labels: parseLabels(rawLabels ?? '{}'), value });
  }
  return parsed;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0];
    assert.ok(name, `label name at ${i} in ${text}`);
    i += name.length;
    assert.equal(text.slice(i, i + 2), '="');
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i++];
      assert.ok(c !== undefined && c !== '\n', 'unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i++];
        assert.ok(e === '\\' || e === '"' || e === 'n', `bad escape \\${e}`);
        value += e === 'n' ? '\n' : e;
      } else value += c;
    }
    assert.ok(!(name in labels), `duplicate label ${name}`);
    labels[name] = value;
    if (text[i] === ',') i++;
  }
  assert.equal(i, text.length - 1, 'labels end with }');
  return labels;
}

const by = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

function sampleMetrics(): RequestMetrics {
  const m = new RequestMetrics();
  m.record('checkout-api', 'stable', 200, 0.003);
  m.record('checkout-api', 'stable', 200, 0.2);
  m.record('checkout-api', 'stable', 503, 0.04);
  m.record('checkout-api', 'canary', 500, 12);
  m.record('checkout-api', 'canary', 200, 0.007);
  return m;
}

test('render has HELP and TYPE for both families and parses back', () => {
  const parsed = parseExposition(sampleMetrics().render());
  assert.equal(parsed.type.get('http_requests_total'), 'counter');
  assert.equal(parsed.type.get('http_request_duration_seconds'), 'histogram');
  assert.ok(parsed.help.get('http_requests_total'));
  assert.ok(parsed.help.get('http_request_duration_seconds'));
  const counters = by(parsed.samples, 'http_requests_total', {});
  assert.deepEqual(
    counters.map((s) => [s.labels.version, s.labels.code, s.value]),
    [
      ['canary', '200', 1],
      ['canary', '500', 1],
      ['stable', '200', 2],
      ['stable', '503', 1],
    ],
  );
});

test('series carry exactly the labels the seed PromQL selects on', () => {
  const parsed = parseExposition(sampleMetrics().render());
  for (const s of parsed.samples) {
    const keys = Object.keys(s.labels);
    if (s.name === 'http_requests_total') assert.deepEqual(keys, ['service', 'version', 'code']);
    else if (s.name === 'http_request_duration_seconds_bucket')
      assert.deepEqual(keys, ['service', 'version', 'le']);
    else if (/^http_request_duration_seconds_(sum|count)$/.test(s.name))
      assert.deepEqual(keys, ['service', 'version']);
    else assert.fail(`unexpected series ${s.name}`);
  }
  // the seed's queries, verbatim apart from the template argument
  const seedQueries = [
    'sum(rate(http_requests_total{service="checkout-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="checkout-api"}[5m]))',
    'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{service="checkout-api"}[5m])) by (le))',
  ];
  for (const q of seedQueries) {
    for (const [, metric, selector] of q.matchAll(/(http_\w+)\{([^}]*)\}/g)) {
      for (const [, label, op, value] of (selector as string).matchAll(/(\w+)(=~|=)"([^"]*)"/g)) {
        const re = new RegExp(`^(?:${value})$`);
        const hits = parsed.samples.filter(
          (s) =>
            s.name === metric &&
            (op === '=' ? s.labels[label as string] === value : re.test(s.labels[label as string] ?? '')),
        );
        assert.ok(hits.length > 0, `${metric}{${label}${op}"${value}"} selects something`);
      }
    }
  }
  const all = by(parsed.samples, 'http_requests_total', { service: 'checkout-api' });
  const errors = all.filter((s) => /^5..$/.test(s.labels.code as string));
  const sum = (xs: Sample[]) => xs.reduce((a, s) => a + s.value, 0);
  assert.equal(sum(errors) / sum(all), 2 / 5);
  assert.ok(by(parsed.samples, 'http_request_duration_seconds_bucket', { le: '+Inf' }).length === 2);
});

test('buckets are cumulative, +Inf equals _count, _sum adds the observations', () => {
  const parsed = parseExposition(sampleMetrics().render());
  const buckets = by(parsed.samples, 'http_request_duration_seconds_bucket', { version: 'stable' });
  assert.deepEqual(
    buckets.map((s) => s.labels.le),
    [...DEFAULT_BUCKETS.map(String), '+Inf'],
  );
  assert.deepEqual(
    buckets.map((s) => s.value),
    [1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3],
  );
  assert.equal(by(parsed.samples, 'http_request_duration_seconds_count', { version: 'stable' })[0]?.value, 3);
  const sum = by(parsed.samples, 'http_request_duration_seconds_sum', { version: 'stable' })[0]?.value ?? 0;
  assert.ok(Math.abs(sum - 0.243) < 1e-12);
  const canary = by(parsed.samples, 'http_request_duration_seconds_bucket', { version: 'canary' });
  assert.equal(canary.find((s) => s.labels.le === '10')?.value, 1, '12 s lands only in +Inf');
  assert.equal(canary.find((s) => s.labels.le === '+Inf')?.value, 2);
});

test('label values with quotes, backslashes and line feeds are escaped and round-trip', () => {
  const m = new RequestMetrics();
  const service = 'we"ird\\svc\nname';
  m.record(service, 'v1', 200, 0.01);
  const text = m.render();
  assert.ok(text.includes('service="we\\"ird\\\\svc\\nname"'));
  const parsed = parseExposition(text);
  assert.ok(parsed.samples.every((s) => s.labels.service === service));
});

test('property: whatever is recorded, the exposition parses back to the same counts', () => {
  const record = fc.record({
    service: fc.constantFrom('a', 'b"c', 'd\\e'),
    version: fc.constantFrom('stable', 'canary'),
    code: fc.constantFrom(200, 204, 404, 499, 500, 502, 503),
    seconds: fc.double({ min: 0, max: 30, noNaN: true }),
  });
  fc.assert(
    fc.property(fc.array(record, { maxLength: 60 }), (records) => {
      const m = new RequestMetrics();
      for (const r of records) m.record(r.service, r.version, r.code, r.seconds);
      const parsed = parseExposition(m.render());
      for (const snap of m.snapshot()) {
        const id = { service: snap.service, version: snap.version };
        const mine = records.filter((r) => r.service === snap.service && r.version === snap.version);
        const counters = by(parsed.samples, 'http_requests_total', id);
        assert.equal(
          counters.reduce((a, s) => a + s.value, 0),
          mine.length,
        );
        for (const c of counters)
          assert.equal(c.value, mine.filter((r) => String(r.code) === c.labels.code).length);
        const buckets = by(parsed.samples, 'http_request_duration_seconds_bucket', id).map((s) => s.value);
        assert.ok(
          buckets.every((v, i) => i === 0 || v >= (buckets[i - 1] as number)),
          'cumulative',
        );
        assert.equal(buckets.at(-1), mine.length);
        assert.equal(by(parsed.samples, 'http_request_duration_seconds_count', id)[0]?.value, mine.length);
        assert.equal(snap.total, mine.length);
        assert.equal(snap.errors, mine.filter((r) => r.code >= 500).length);
      }
    }),
    { numRuns: 60 },
  );
});

test('snapshot keeps raw counts per version for the built-in analysis provider', () => {
  const snap = sampleMetrics().snapshot('checkout-api');
  assert.deepEqual(
    snap.map((s) => [s.version, s.total, s.errors, s.codes]),
    [
      ['canary', 2, 1, { 200: 1, 500: 1 }],
      ['stable', 3, 1, { 200: 2, 503: 1 }],
    ],
  );
  assert.equal(snap[1]?.latency.count, 3);
  assert.equal(snap[1]?.latency.cumulative.length, DEFAULT_BUCKETS.length + 1);
  assert.ok(Object.isFrozen(snap) && Object.isFrozen(snap[0]));
  assert.deepEqual(sampleMetrics().snapshot('other'), []);
});

test('metricsHandler serves the text format to GET and HEAD and refuses other methods', async () => {
  const m = sampleMetrics();
  const server = createServer(m.metricsHandler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  try {
    const get = await fetch(base);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(await get.text(), m.render());
    const head = await fetch(base, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const post = await fetch(base, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('custom buckets must ascend', () => {
  assert.throws(() => new RequestMetrics([0.1, 0.1]), /ascending, got \[0.1, 0.1\]/);
  assert.throws(() => new RequestMetrics([]), RangeError);
});
