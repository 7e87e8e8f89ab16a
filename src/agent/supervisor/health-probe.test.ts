import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { healthUrl, probeHealth } from './health-probe.ts';
import { freePort } from './test-server.fixture.ts';

describe('probeHealth', () => {
  let server: Server;
  let port = 0;

  before(async () => {
    server = createServer((req, res) => {
      const status = Number(req.url?.slice(1));
      if (req.url === '/hang') return;
      res.writeHead(status, status === 302 ? { location: '/500' } : {});
      res.end('body');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('passes on 200..399 without following redirects', async () => {
    for (const status of [200, 204, 302, 399]) {
      assert.deepEqual(await probeHealth(healthUrl(port, `/${status}`), 1000), {
        ok: true,
        detail: `status ${status}`,
      });
    }
  });

  it('fails on 4xx and 5xx', async () => {
    for (const status of [404, 500, 503]) {
      assert.deepEqual(await probeHealth(healthUrl(port, `/${status}`), 1000), {
        ok: false,
        detail: `status ${status}`,
      });
    }
  });

  it('fails with the error code when nothing listens', async () => {
    assert.deepEqual(await probeHealth(healthUrl(await freePort(), '/health'), 1000), {
      ok: false,
      detail: 'ECONNREFUSED',
    });
  });

  it('fails when no answer comes within the timeout', async () => {
    assert.deepEqual(await probeHealth(healthUrl(port, '/hang'), 50), {
      ok: false,
      detail: 'no answer within 50ms',
    });
  });

  it('probes 127.0.0.1 only', () => {
    assert.equal(healthUrl(4000, '/health?deep=1'), 'http://127.0.0.1:4000/health?deep=1');
  });
});
