import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { project, runway, spawnRunway } from './helpers.ts';

describe(
  'the control-plane API answers every malformed request with a 4xx JSON error',
  { timeout: 60_000 },
  () => {
    let dir = '';
    let serve: ChildProcess | undefined;
    let url = '';
    let token = '';

    before(async () => {
      dir = project('version: 1\nstages:\n  a:\n    steps: [{ run: echo }]\n');
      serve = spawnRunway(['serve'], { cwd: dir });
      serve.stdout?.resume();
      serve.stderr?.resume();
      const data = join(dir, '.runway', 'runway');
      for (let i = 0; i < 200; i++) {
        const info = join(data, 'server.json');
        if (existsSync(info)) {
          const server = JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string };
          if (server.pid === serve.pid) {
            url = server.url;
            token = readFileSync(join(data, 'server.token'), 'utf8').trim();
            return;
          }
        }
        await sleep(50);
      }
      throw new Error('runway serve did not start');
    });

    after(async () => {
      await runway(['serve', 'stop'], { cwd: dir });
      serve?.kill('SIGKILL');
    });

    const call = async (
      method: string,
      path: string,
      init: { auth?: boolean; body?: string | Buffer } = {},
    ) => {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(init.auth === false ? {} : { authorization: `Bearer ${token}` }),
          'content-type': 'application/json',
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
      const text = await res.text();
      // fetch resolves dot segments as a browser does: "/v1/.." is a request for "/", the dashboard
      const sent = new URL(url + path).pathname;
      if (sent !== '/v1' && !sent.startsWith('/v1/'))
        return { status: res.status, body: { error: text.slice(0, 80) } };
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, `${method} ${path}: ${text}`);
      return { status: res.status, body: JSON.parse(text) as { error: string } };
    };

    it('checks the token before routing: unknown routes and wrong methods are 401 without one', async () => {
      assert.equal((await call('GET', '/v1/no-such-route', { auth: false })).status, 401);
      assert.equal((await call('DELETE', '/v1/rollouts', { auth: false })).status, 401);
      assert.equal((await call('GET', '/v1/no-such-route')).status, 404);
      assert.equal((await call('DELETE', '/v1/rollouts')).status, 405);
    });

    it('a malformed percent-encoding is a 400, not a 500 "URI malformed"', async () => {
      const r = await call('GET', '/v1/rollouts/%');
      assert.equal(r.status, 400);
      assert.match(r.body.error, /path segment "%" is not valid percent-encoding/);
      // found by the fuzzer: a path that normalises to "//" once read as a protocol-relative URL (500)
      assert.equal((await call('GET', '/v1/..//')).status, 404);
    });

    it('names in the path follow the rules of a rollout request: a fault for ../../../tmp/x is refused', async () => {
      const r = await call(
        'PUT',
        `/v1/environments/shop/prod/faults/${encodeURIComponent('../../../tmp/x')}`,
        {
          body: '{"errorRate": 0.5}',
        },
      );
      assert.equal(r.status, 400);
      assert.match(r.body.error, /^version "\.\.\/\.\.\/\.\.\/tmp\/x" must match/);
      assert.equal((await call('GET', '/v1/environments/Shop!/prod')).status, 400);
    });

    it('a 50 MB body is answered with 413 naming the limit', async () => {
      const r = await call('POST', '/v1/rollouts', { body: Buffer.alloc(50 * 1024 * 1024, 0x20) });
      assert.equal(r.status, 413);
      assert.match(r.body.error, /request body over 1048576 bytes \(1 MiB\)/);
    });

    it('fuzzed paths, methods and bodies never get a 5xx', async () => {
      const segment = fc.oneof(
        fc.constantFrom(
          'v1',
          'rollouts',
          'environments',
          'faults',
          'commands',
          'undo',
          'slo',
          '%',
          '%zz',
          '..',
          '%2F',
          'a%00b',
        ),
        fc.string({ maxLength: 6 }).map(encodeURIComponent),
      );
      const body = fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 40 }),
        fc.json({ maxDepth: 2 }),
        fc.constantFrom('{"command":"promote"}', '{"toRevision":1.5}', '{"errorRate":2}', 'null', '[]'),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
          fc.array(segment, { minLength: 1, maxLength: 6 }),
          body,
          async (method, parts, text) => {
            const path = `/v1/${parts.join('/')}`;
            const r = await call(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: text });
            assert.ok(
              r.status >= 200 && r.status < 500,
              `${method} ${path} ${text} → ${r.status} ${r.body.error}`,
            );
          },
        ),
        { numRuns: Number(process.env['FUZZ_RUNS'] ?? 200) },
      );
    });

    it('a body that is not JSON is a 400 that does not echo what it read', async () => {
      const r = await call('POST', '/v1/rollouts', { body: 'root:x:0:0:root:/root:/bin/bash' });
      assert.equal(r.status, 400);
      assert.match(r.body.error, /^request body is not JSON/);
      assert.doesNotMatch(r.body.error, /root:x/);
    });
  },
);
