import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieValue, requestHeaders, responseHeaders } from './headers.ts';

test('hop-by-hop headers and those named by Connection are not forwarded', () => {
  const out = requestHeaders(
    [
      'Host',
      'a',
      'Connection',
      'keep-alive, X-Secret',
      'Keep-Alive',
      'timeout=5',
      'X-Secret',
      's',
      'TE',
      'trailers',
      'Accept',
      '*/*',
    ],
    undefined,
    'fallback:1',
  );
  assert.deepEqual(out, ['Host', 'a', 'Accept', '*/*']);
});

test('the client address is appended to X-Forwarded-For, joining earlier hops', () => {
  const out = requestHeaders(
    ['Host', 'a', 'X-Forwarded-For', '10.0.0.1', 'x-forwarded-for', '10.0.0.2'],
    '127.0.0.1',
    'b:1',
  );
  assert.deepEqual(out, ['Host', 'a', 'X-Forwarded-For', '10.0.0.1, 10.0.0.2, 127.0.0.1']);
});

test('a missing Host is filled in, and a chunked body stays chunked', () => {
  const out = requestHeaders(['Transfer-Encoding', 'chunked'], '::1', 'backend:9');
  assert.deepEqual(out, ['Host', 'backend:9', 'X-Forwarded-For', '::1', 'Transfer-Encoding', 'chunked']);
});

test('an upgrade keeps Upgrade and Connection: Upgrade', () => {
  const out = requestHeaders(
    ['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'websocket'],
    undefined,
    'b:1',
    'websocket',
  );
  assert.deepEqual(out, ['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'websocket']);
});

test('response headers lose hop-by-hop ones and gain the version header', () => {
  const out = responseHeaders(
    [
      'Content-Length',
      '2',
      'Connection',
      'keep-alive',
      'Keep-Alive',
      'timeout=5',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ],
    ['X-Runway-Version', 'canary'],
  );
  assert.deepEqual(out, [
    'Content-Length',
    '2',
    'Set-Cookie',
    'a=1',
    'Set-Cookie',
    'b=2',
    'X-Runway-Version',
    'canary',
  ]);
});

test('cookieValue finds a cookie by exact name, unquoting', () => {
  assert.equal(cookieValue('a=1; ab=b; abc=c', 'ab'), 'b');
  assert.equal(cookieValue('x="quoted"', 'x'), 'quoted');
  assert.equal(cookieValue('abc=c', 'ab'), undefined);
  assert.equal(cookieValue(undefined, 'ab'), undefined);
});

test('a header named by Connection is dropped whatever its length', () => {
  const out = requestHeaders(
    ['Host', 'a', 'Connection', 'X-Sec, x-b', 'X-Sec', '1', 'X-B', '2', 'X-C', '3'],
    undefined,
    'b:1',
  );
  assert.deepEqual(out, ['Host', 'a', 'X-C', '3']);
  const back = responseHeaders(
    ['Connection', 'X-Sec', 'X-Sec', '1', 'Content-Length', '1', 'X-C', '3'],
    undefined,
    true,
  );
  assert.deepEqual(back, ['X-C', '3']);
});
