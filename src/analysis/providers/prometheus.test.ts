import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { MetricQuery } from '../provider.ts';
import { ProviderConfigError } from './config-error.ts';
import { deadAddress, startTestServer } from './http-server.fixture.ts';
import type { Reply, TestServer } from './http-server.fixture.ts';
import { PrometheusProvider } from './prometheus.ts';
import type { PrometheusOptions } from './prometheus.ts';
import { providerContract, testContext } from './provider.contract.ts';

const FIXTURES = new URL('../../../test/fixtures/prometheus-api/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const ok = (name: string): Reply => ({ status: 200, body: fixture(name) });

/** The seed's slo-burn-check error-rate query, with args.service substituted. */
const SEED_ERROR_RATE =
  'sum(rate(http_requests_total{service="checkout-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="checkout-api"}[5m]))';
const TOKEN = 'tok-7f3a9c-secret';

/** Answers by the exact `query` it received, as a Prometheus server with these series would. */
const ANSWERS: Record<string, Reply> = {
  [SEED_ERROR_RATE]: ok('query-vector-error-rate.authored.json'),
  up: ok('query-vector.docs-example.json'),
  'up{instance=~"demo.*"}': ok('query-vector.openapi-example.json'),
  'scalar(42)': ok('query-scalar.openapi-example.json'),
  '"pass"': ok('query-string.authored.json'),
  'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))': ok(
    'query-vector-nan.authored.json',
  ),
  'max by (version) (slo:burn_rate)': ok('query-vector-infinities.authored.json'),
  absent_series_total: ok('query-vector-empty.authored.json'),
  'http_requests_total[1m]': ok('query_range-matrix-with-labels.json'),
  'absent_series_total[1m]': ok('query_range-matrix-empty-result.json'),
  http_request_duration_seconds: ok('query-vector-native-histogram.openapi-example.json'),
  tsdb_not_ready: { status: 500, body: fixture('error-internal.openapi-example.json') },
  behind_a_broken_proxy: {
    status: 502,
    body: '<html><body>502 Bad Gateway</body></html>',
    contentType: 'text/html',
  },
  garbage: { status: 200, body: 'this is {not json', contentType: 'text/plain' },
  slow: { status: 200, body: fixture('query-scalar.openapi-example.json'), delayMs: 2000 },
  hangs: { status: 200, body: '', hang: true },
};

let server: TestServer;
let readyStatus = 200;

before(async () => {
  server = await startTestServer((req) => {
    if (req.path === '/-/ready') return { status: readyStatus, body: 'Prometheus Server is Ready.\n' };
    if (req.path === '/api/v1/status/buildinfo')
      return { status: 200, body: '{"status":"success","data":{}}' };
    if (req.path !== '/api/v1/query') return { status: 404, body: '404 page not found\n' };
    const query = req.params.get('query') ?? '';
    if (query === 'echo_auth') {
      const error = `rejected ${req.headers.authorization ?? 'nothing'}`;
      return { status: 401, body: JSON.stringify({ status: 'error', errorType: 'unauthorized', error }) };
    }
    if (query.startsWith('vector(1) + ')) return ok('query-scalar.openapi-example.json');
    return (
      ANSWERS[query] ?? {
        status: 400,
        body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: `no fixture for ${query}` }),
      }
    );
  });
});
after(() => server.close());
beforeEach(() => {
  server.seen.length = 0;
  readyStatus = 200;
});

const prometheus = (options: PrometheusOptions = {}) =>
  new PrometheusProvider({ address: server.base, timeoutMs: 1000, ...options });
const q = (query: string, address?: string): MetricQuery => ({
  metric: 'm',
  provider: { kind: 'prometheus', query, ...(address === undefined ? {} : { address }) },
});
const measure = (query: string, options?: PrometheusOptions) =>
  prometheus(options).measure(q(query), testContext());

providerContract('prometheus', () => ({ provider: prometheus(), query: q('up') }));

describe('PrometheusProvider against a local HTTP server', () => {
  it('GETs /api/v1/query with the exact query and the measurement time', async () => {
    const m = await measure(SEED_ERROR_RATE);
    assert.deepEqual(m, { value: 0.0125, labels: [{}] });
    assert.equal(server.seen.length, 1);
    const [req] = server.seen;
    assert.equal(req?.method, 'GET');
    assert.equal(req?.path, '/api/v1/query');
    assert.equal(req?.params.get('query'), SEED_ERROR_RATE);
    assert.equal(req?.params.get('time'), '2026-01-06T10:00:00.000Z');
  });

  it('turns a vector of several samples into number[] with each sample labels beside it', async () => {
    assert.deepEqual(await measure('up'), {
      value: [1, 0],
      labels: [
        { __name__: 'up', job: 'prometheus', instance: 'localhost:9090' },
        { __name__: 'up', job: 'node', instance: 'localhost:9100' },
      ],
    });
    const m = await measure('up{instance=~"demo.*"}');
    assert.ok('value' in m);
    assert.deepEqual(m.value, [1, 1]);
  });

  it('reads a scalar as a number and a string as a string', async () => {
    assert.deepEqual(await measure('scalar(42)'), { value: 42 });
    assert.deepEqual(await measure('"pass"'), { value: 'pass' });
  });

  it('keeps "NaN" as NaN so that conditions decide (NaN < 0.02 is false: never healthy)', async () => {
    const m = await measure(
      'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    );
    assert.ok('value' in m);
    assert.ok(Number.isNaN(m.value));
  });

  it('keeps "+Inf" and "-Inf" as Infinity and -Infinity', async () => {
    const m = await measure('max by (version) (slo:burn_rate)');
    assert.deepEqual(m, { value: [Infinity, -Infinity], labels: [{ version: 'v1' }, { version: 'v2' }] });
  });

  it('answers an empty vector with "query returned no data", never a value', async () => {
    const m = await measure('absent_series_total');
    assert.ok('error' in m);
    assert.match(m.error, /^query returned no data/);
  });

  it('refuses range vectors (matrix), with or without series: it runs instant queries', async () => {
    for (const query of ['http_requests_total[1m]', 'absent_series_total[1m]']) {
      const m = await measure(query);
      assert.ok('error' in m);
      assert.match(m.error, /range vector \(matrix, [01] series\).*instant queries/);
    }
  });

  it('refuses native histogram samples and says what to query instead', async () => {
    const m = await measure('http_request_duration_seconds');
    assert.ok('error' in m);
    assert.match(m.error, /native histogram.*histogram_quantile/);
  });

  it('reports an error envelope with its HTTP status, errorType and error', async () => {
    assert.deepEqual(await measure('tsdb_not_ready'), {
      error: 'prometheus query failed (HTTP 500, internal): TSDB not ready',
    });
    const m = await measure('no_such_fixture');
    assert.ok('error' in m);
    assert.match(m.error, /HTTP 400, bad_data/);
  });

  it('reports a 5xx that is not a Prometheus answer, and a 200 whose body is not JSON', async () => {
    const bad = await measure('behind_a_broken_proxy');
    assert.ok('error' in bad);
    assert.match(bad.error, /^prometheus answered HTTP 502 with a body that is not JSON: "<html>/);
    const garbage = await measure('garbage');
    assert.ok('error' in garbage);
    assert.match(garbage.error, /HTTP 200 with a body that is not JSON: "this is \{not json"/);
  });

  it('gives up on a slow answer after timeoutMs', async () => {
    const started = performance.now();
    const m = await measure('slow', { timeoutMs: 150 });
    assert.deepEqual(m, { error: `prometheus at ${server.base} did not answer within 150 ms` });
    assert.ok(performance.now() - started < 1000);
  });

  it('stops when the measurement is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const m = await prometheus().measure(q('hangs'), testContext({}, { signal: controller.signal }));
    assert.deepEqual(m, { error: `measurement cancelled before prometheus at ${server.base} answered` });
  });

  it('reports an unreachable server', async () => {
    const dead = await deadAddress();
    const m = await prometheus({ address: dead }).measure(q('up'), testContext());
    assert.ok('error' in m);
    assert.match(m.error, new RegExp(`^cannot reach prometheus at ${dead}: .*ECONNREFUSED`));
  });

  it('sends a bearer token and never shows it, even when the server echoes it', async () => {
    const m = await measure('echo_auth', { auth: { bearerToken: TOKEN } });
    assert.equal(server.seen[0]?.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(m, { error: 'prometheus query failed (HTTP 401, unauthorized): rejected Bearer ***' });
  });

  it('sends basic auth and extra headers, and never shows the password', async () => {
    const auth = { username: 'grafana', password: 'hunter2-long' };
    const m = await measure('echo_auth', { auth, headers: { 'X-Scope-OrgID': 'tenant-a' } });
    const seen = server.seen[0]?.headers;
    assert.equal(seen?.authorization, `Basic ${Buffer.from('grafana:hunter2-long').toString('base64')}`);
    assert.equal(seen?.['x-scope-orgid'], 'tenant-a');
    assert.ok('error' in m);
    assert.doesNotMatch(m.error, /hunter2|Z3JhZmFuYTpodW50ZXIyLWxvbmc=/);
  });

  it('POSTs a form when the query is too long for a URL', async () => {
    const long = `vector(1) + ${'0 * vector(1) + '.repeat(400)}vector(0)`;
    assert.deepEqual(await measure(long), { value: 42 });
    const [req] = server.seen;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(req?.params.get('query'), long);
    assert.equal(req?.params.get('time'), '2026-01-06T10:00:00.000Z');
  });

  it("prefers the query's own address, and needs one from somewhere", async () => {
    const dead = await deadAddress();
    const own = await new PrometheusProvider({ address: dead }).measure(
      q('scalar(42)', server.base),
      testContext(),
    );
    assert.deepEqual(own, { value: 42 });
    const none = await new PrometheusProvider().measure(q('up'), testContext());
    assert.ok('error' in none);
    assert.match(none.error, /has no address/);
    const badAddress = await prometheus().measure(q('up', 'ftp://example.org'), testContext());
    assert.ok('error' in badAddress);
    assert.match(badAddress.error, /must be an http\(s\) URL/);
  });

  it('answers an empty query with an error without asking the server', async () => {
    const m = await measure('  ');
    assert.ok('error' in m);
    assert.equal(server.seen.length, 0);
  });

  it('is online when /-/ready answers 2xx, or else buildinfo does', async () => {
    assert.equal(await prometheus().online(), true);
    readyStatus = 404;
    assert.equal(await prometheus().online(), true);
    assert.deepEqual(
      server.seen.map((r) => r.path),
      ['/-/ready', '/-/ready', '/api/v1/status/buildinfo'],
    );
    assert.equal(await prometheus({ address: await deadAddress() }).online(), false);
    assert.equal(await new PrometheusProvider().online(), false);
  });

  it('refuses bad options at construction, without echoing credentials', () => {
    assert.throws(
      () => new PrometheusProvider({ address: 'http://admin:s3cret-pw@127.0.0.1:9090' }),
      (err: Error) =>
        err instanceof ProviderConfigError && /credentials/.test(err.message) && !/s3cret/.test(err.message),
    );
    assert.throws(
      () => new PrometheusProvider({ address: 'http://127.0.0.1:9090/?x=1' }),
      ProviderConfigError,
    );
    assert.throws(() => new PrometheusProvider({ timeoutMs: 0 }), ProviderConfigError);
    assert.throws(() => new PrometheusProvider({ auth: { bearerToken: '' } }), ProviderConfigError);
  });
});
