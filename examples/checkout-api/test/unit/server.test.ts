import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer, start } from '../../src/server.ts';

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('checkout-api HTTP', () => {
  const server = createServer({ version: '1.2.3', dbPort: undefined });
  let base = '';
  before(async () => {
    base = await listen(server);
  });
  after(() => close(server));

  test('GET /health reports the version', async () => {
    const res = await fetch(`${base}/health`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), { status: 'healthy', version: '1.2.3' });
  });

  test('GET /v1/prices/:sku returns the price', async () => {
    const res = await fetch(`${base}/v1/prices/MUG-CERAMIC`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      sku: 'MUG-CERAMIC',
      name: 'Ceramic mug',
      priceCents: 1200,
      currency: 'USD',
    });
  });

  test('GET /v1/prices/:sku is 404 for an unknown SKU', async () => {
    const res = await fetch(`${base}/v1/prices/NOPE`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'unknown_sku', message: 'unknown SKU "NOPE"' });
  });

  test('GET /v1/prices/:sku is 400 for a malformed escape', async () => {
    const res = await fetch(`${base}/v1/prices/%E0%A4%A`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'bad_request');
  });

  test('POST /v1/cart/quote prices the cart', async () => {
    const res = await post(`${base}/v1/cart/quote`, { items: [{ sku: 'FILTER-PAPER-100', qty: 4 }] });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { subtotalCents: number; taxCents: number; totalCents: number };
    assert.deepEqual([body.subtotalCents, body.taxCents, body.totalCents], [1996, 165, 2161]);
  });

  const badQuotes: [string, unknown, string][] = [
    ['invalid JSON', '{"items": [', 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['a body without items', { lines: [] }, 'invalid_body'],
    ['items that are not an array', { items: 'STICKER' }, 'invalid_body'],
    ['an unknown SKU', { items: [{ sku: 'NOPE', qty: 1 }] }, 'unknown_sku'],
    ['a fractional qty', { items: [{ sku: 'STICKER', qty: 0.5 }] }, 'invalid_qty'],
    ['51 lines', { items: Array.from({ length: 51 }, () => ({ sku: 'STICKER', qty: 1 })) }, 'too_many_lines'],
  ];
  for (const [name, body, code] of badQuotes) {
    test(`POST /v1/cart/quote is 400 for ${name}`, async () => {
      const res = await post(`${base}/v1/cart/quote`, body);
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error: string; message: string };
      assert.equal(json.error, code);
      assert.ok(json.message.length > 0);
    });
  }

  test('POST /v1/cart/quote is 413 for a body over 64 KiB', async () => {
    const res = await post(`${base}/v1/cart/quote`, `{"items":[],"pad":"${'x'.repeat(70_000)}"}`);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: string }).error, 'body_too_large');
  });

  test('POST /v1/orders is 503 without DB_PORT', async () => {
    const res = await post(`${base}/v1/orders`, { items: [{ sku: 'STICKER', qty: 1 }] });
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: string }).error, 'orders_unavailable');
  });

  for (const [method, path] of [
    ['GET', '/'],
    ['GET', '/v1/cart/quote'],
    ['POST', '/health'],
    ['DELETE', '/v1/prices/STICKER'],
    ['GET', '/v1/prices/STICKER/extra'],
  ] as const) {
    test(`${method} ${path} is 404`, async () => {
      const res = await fetch(`${base}${path}`, { method });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: string }).error, 'not_found');
    });
  }
});

/** Sets (or, for undefined, deletes) environment variables until the test ends. */
function withEnv(t: TestContext, vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  t.after(() => apply(saved));
}

describe('createServer defaults', () => {
  test('version comes from RELEASE_VERSION, the order store from DB_PORT', async (t) => {
    withEnv(t, { RELEASE_VERSION: '2024.06.1', DB_PORT: '1' }); // nothing listens on port 1
    const server = createServer();
    const base = await listen(server);
    t.after(() => close(server));

    assert.deepEqual(await (await fetch(`${base}/health`)).json(), {
      status: 'healthy',
      version: '2024.06.1',
    });
    const res = await post(`${base}/v1/orders`, { items: [{ sku: 'STICKER', qty: 1 }] });
    assert.equal(res.status, 502);
    assert.equal(((await res.json()) as { error: string }).error, 'db_unavailable');
  });

  test('without RELEASE_VERSION and DB_PORT: version "dev", orders 503', async (t) => {
    withEnv(t, { RELEASE_VERSION: undefined, DB_PORT: undefined });
    const server = createServer();
    const base = await listen(server);
    t.after(() => close(server));

    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: 'healthy', version: 'dev' });
    const res = await post(`${base}/v1/orders`, { items: [{ sku: 'STICKER', qty: 1 }] });
    assert.equal(res.status, 503);
  });

  test('a malformed DB_PORT is rejected at startup', (t) => {
    withEnv(t, { DB_PORT: 'not-a-port' });
    assert.throws(() => createServer(), /invalid DB_PORT: not-a-port/);
  });
});

describe('start', () => {
  test('listens on 127.0.0.1 and closes on SIGTERM', async (t) => {
    t.mock.method(console, 'log', () => {});
    const server = createServer({ version: 'test', dbPort: undefined });
    const sigtermListeners = process.listenerCount('SIGTERM');
    const port = await start(0, server);
    assert.ok(port > 0);
    assert.equal(process.listenerCount('SIGTERM'), sigtermListeners + 1);
    assert.equal((server.address() as AddressInfo).address, '127.0.0.1');
    const closed = once(server, 'close');
    process.emit('SIGTERM', 'SIGTERM');
    await closed;
    assert.equal(process.listenerCount('SIGTERM'), sigtermListeners);
  });

  test('running src/server.ts listens on PORT and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../src/server.ts', import.meta.url))], {
      env: { ...process.env, PORT: '0', RELEASE_VERSION: 'spawned', DB_PORT: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const match = /listening on (http:\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
    });
    assert.deepEqual(await (await fetch(`${url}/health`)).json(), { status: 'healthy', version: 'spawned' });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.match(output, /SIGTERM received/);
  });
});
