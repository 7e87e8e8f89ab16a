import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { MetricQuery, WebQuery } from '../provider.ts';
import { startTestServer } from './http-server.fixture.ts';
import type { Reply, TestServer } from './http-server.fixture.ts';
import { providerContract, testContext } from './provider.contract.ts';
import { WebProvider } from './web.ts';

const HEALTH = JSON.stringify({ status: 'ok', data: { ok: true, items: [{ value: 0.2 }] } });

const ROUTES: Record<string, Reply> = {
  '/health': { status: 200, body: HEALTH },
  '/down': { status: 503, body: '{"status":"unavailable"}' },
  '/text': { status: 200, body: 'OK', contentType: 'text/plain' },
  '/hangs': { status: 200, body: '', hang: true },
};

let server: TestServer;
before(async () => {
  server = await startTestServer((req) => {
    if (req.path === '/echo') {
      const echoed = { method: req.method, token: req.headers['x-api-key'] ?? null, body: req.body };
      return { status: 200, body: JSON.stringify(echoed) };
    }
    return ROUTES[req.path] ?? { status: 404, body: 'not found', contentType: 'text/plain' };
  });
});
after(() => server.close());
beforeEach(() => {
  server.seen.length = 0;
});

const query = (path: string, extra: Partial<WebQuery> = {}): MetricQuery => ({
  metric: 'health-endpoint',
  provider: {
    kind: 'web',
    url: `${server.base}${path}`,
    method: 'GET',
    headers: {},
    timeoutMs: 1000,
    ...extra,
  },
});
const measure = (path: string, extra: Partial<WebQuery> = {}) =>
  new WebProvider().measure(query(path, extra), testContext());

providerContract('web', () => ({ provider: new WebProvider(), query: query('/health') }));

describe('WebProvider against a local HTTP server', () => {
  it("measures the status code by default, so the seed's `result == 200` works", async () => {
    assert.deepEqual(await measure('/health'), { value: 200, status: 200 });
    assert.deepEqual(await measure('/down'), { value: 503, status: 503 });
    assert.deepEqual(await measure('/text'), { value: 200, status: 200 });
  });

  it('measures the JSON value at jsonPath', async () => {
    assert.deepEqual(await measure('/health', { jsonPath: '$.status' }), { value: 'ok', status: 200 });
    assert.deepEqual(await measure('/health', { jsonPath: '$.data.items[0].value' }), {
      value: 0.2,
      status: 200,
    });
    assert.deepEqual(await measure('/health', { jsonPath: '{$.data.ok}' }), { value: true, status: 200 });
    assert.deepEqual(await measure('/health', { jsonPath: '$.data' }), {
      value: { ok: true, items: [{ value: 0.2 }] },
      status: 200,
    });
  });

  it('answers a body that is not JSON with an error when jsonPath is given', async () => {
    const m = await measure('/text', { jsonPath: '$.status' });
    assert.deepEqual(m, {
      error: `GET ${server.base}/text answered with a body that is not JSON, so $.status has no value: "OK"`,
    });
  });

  it('answers a non-2xx status with an error when jsonPath is given', async () => {
    const m = await measure('/down', { jsonPath: '$.status' });
    assert.deepEqual(m, { error: `GET ${server.base}/down answered HTTP 503, so $.status has no value` });
  });

  it('says where jsonPath found nothing, and refuses paths outside the subset', async () => {
    assert.deepEqual(await measure('/health', { jsonPath: '$.data.items[1].value' }), {
      error: `GET ${server.base}/health: the answer has nothing at $.data.items[1]`,
    });
    const bad = await measure('/health', { jsonPath: '$..value' });
    assert.ok('error' in bad);
    assert.match(bad.error, /unsupported part/);
    assert.equal(server.seen.length, 1, 'a bad path is refused before any request');
  });

  it('sends method, headers and body', async () => {
    const headers = { 'x-api-key': 'k-123', 'content-type': 'application/json' };
    const m = await measure('/echo', { method: 'POST', headers, body: '{"ping":1}', jsonPath: '$' });
    assert.deepEqual(m, { value: { method: 'POST', token: 'k-123', body: '{"ping":1}' }, status: 200 });
    const put = await measure('/echo', { method: 'PUT', body: 'x', jsonPath: '$.method' });
    assert.deepEqual(put, { value: 'PUT', status: 200 });
  });

  it('refuses a GET with a body, as fetch and Argo do', async () => {
    const m = await measure('/echo', { body: 'x' });
    assert.deepEqual(m, { error: 'a web GET request cannot have a body; use POST or PUT' });
  });

  it('gives up after timeoutMs, naming the URL without its query string', async () => {
    const m = await measure('/hangs?token=abc', { timeoutMs: 100 });
    assert.deepEqual(m, { error: `GET ${server.base}/hangs did not answer within 100 ms` });
  });

  it('refuses URLs that are not http(s) or carry credentials, without echoing them', async () => {
    const ftp = await new WebProvider().measure(
      { metric: 'm', provider: { kind: 'web', url: 'ftp://x', method: 'GET', headers: {}, timeoutMs: 100 } },
      testContext(),
    );
    assert.ok('error' in ftp);
    assert.match(ftp.error, /must be an http\(s\) URL/);
    const creds = await new WebProvider().measure(
      {
        metric: 'm',
        provider: {
          kind: 'web',
          url: 'http://u:pw-secret@127.0.0.1/',
          method: 'GET',
          headers: {},
          timeoutMs: 100,
        },
      },
      testContext(),
    );
    assert.ok('error' in creds);
    assert.doesNotMatch(creds.error, /pw-secret/);
  });
});
