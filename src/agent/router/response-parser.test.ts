import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ResponseParseError, ResponseParser, type ResponseHead } from './response-parser.ts';

interface Seen {
  heads: ResponseHead[];
  body: string;
  ends: boolean[];
}

function parse(chunks: (string | Buffer)[], headRequest = false, close = false): Seen {
  const seen: Seen = { heads: [], body: '', ends: [] };
  const parser = new ResponseParser(
    {
      head: (h) => seen.heads.push(h),
      body: (c) => (seen.body += c.toString('latin1')),
      end: (reusable) => seen.ends.push(reusable),
    },
    headRequest,
  );
  for (const c of chunks) parser.execute(Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1'));
  if (close) parser.finish();
  return seen;
}

const bad = (chunks: string[], message: RegExp, close = false) =>
  assert.throws(
    () => parse(chunks, false, close),
    (err: unknown) => err instanceof ResponseParseError && message.test(err.message),
  );

test('a Content-Length body is read exactly, headers kept in order and case', () => {
  const seen = parse([
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n\r\nhello',
  ]);
  assert.equal(seen.heads.length, 1);
  const head = seen.heads[0]!;
  assert.equal(head.status, 200);
  assert.equal(head.statusText, 'OK');
  assert.deepEqual(head.rawHeaders, [
    'Content-Length',
    '5',
    'X-A',
    '1',
    'Set-Cookie',
    'a',
    'Set-Cookie',
    'b',
  ]);
  assert.equal(seen.body, 'hello');
  assert.deepEqual(seen.ends, [true]);
});

test('chunked bodies with extensions and trailers are decoded', () => {
  const seen = parse([
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n',
    '5;ext=1\r\nhello\r\n',
    '6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
  ]);
  assert.equal(seen.body, 'hello world');
  assert.equal(seen.heads[0]?.transferEncoded, true);
  assert.deepEqual(seen.ends, [true]);
});

test('HEAD, 204 and 304 responses have no body whatever the headers say', () => {
  assert.deepEqual(parse(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'], true).ends, [true]);
  assert.deepEqual(parse(['HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n']).ends, [true]);
  assert.deepEqual(parse(['HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n']).ends, [true]);
});

test('interim 1xx responses are skipped', () => {
  const seen = parse([
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
  ]);
  assert.deepEqual(
    seen.heads.map((h) => h.status),
    [201],
  );
  assert.deepEqual(seen.ends, [true]);
});

test('a body without length is read until the backend closes, and the connection is not reused', () => {
  const seen = parse(['HTTP/1.1 200 OK\r\n\r\nabc', 'def'], false, true);
  assert.equal(seen.body, 'abcdef');
  assert.deepEqual(seen.ends, [false]);
});

test('Connection: close and HTTP/1.0 make the connection single-use; Keep-Alive timeout is read', () => {
  assert.deepEqual(parse(['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']).ends, [
    false,
  ]);
  assert.deepEqual(parse(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n']).ends, [false]);
  assert.deepEqual(parse(['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n']).ends, [
    true,
  ]);
  const head = parse(['HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n'])
    .heads[0];
  assert.equal(head?.keepAliveMs, 5000);
});

test('malformed responses are refused', () => {
  bad(['HTTP/2 200 OK\r\n\r\n'], /bad status line/);
  bad(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'], /bad content-length/);
  bad(['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'], /bad content-length/);
  bad(['HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n'], /bad header line/);
  bad(['HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n'], /bad header line/);
  bad(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], /bad chunk size line/);
  bad(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc'], /not followed by CRLF/);
  bad(['HTTP/1.1 101 Switching Protocols\r\n\r\n'], /101/);
  bad([`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`], /longer than/);
  bad(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nextra'], /after the end/);
  bad(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'], /middle of the body/, true);
  bad(['HTTP/1.1 200'], /before a response/, true);
});

/** A response serialized with either framing, and the body it carries. */
const responseArb = fc
  .record({
    status: fc.constantFrom(200, 201, 404, 500, 503),
    body: fc.string({ maxLength: 300 }),
    chunked: fc.boolean(),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
    headers: fc.array(
      fc.tuple(fc.constantFrom('X-A', 'Set-Cookie', 'Vary'), fc.stringMatching(/^[ -~]{0,20}$/)),
      {
        maxLength: 5,
      },
    ),
  })
  .map((r) => {
    const body = Buffer.from(r.body, 'utf8').toString('latin1');
    let head = `HTTP/1.1 ${r.status} Whatever\r\n`;
    for (const [k, v] of r.headers) head += `${k}: ${v.trim()}\r\n`;
    if (!r.chunked) return { ...r, body, wire: `${head}Content-Length: ${body.length}\r\n\r\n${body}` };
    let wire = `${head}Transfer-Encoding: chunked\r\n\r\n`;
    let at = 0;
    for (let i = 0; at < body.length; i++) {
      const n = r.chunkSizes[i % r.chunkSizes.length]!;
      const part = body.slice(at, at + n);
      wire += `${part.length.toString(16)}\r\n${part}\r\n`;
      at += n;
    }
    return { ...r, body, wire: `${wire}0\r\n\r\n` };
  });

test('property: however the bytes are split, the same head and body come out, once', () => {
  fc.assert(
    fc.property(responseArb, fc.array(fc.nat(), { maxLength: 8 }), (r, cuts) => {
      const wire = Buffer.from(r.wire, 'latin1');
      const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const p of [...points, wire.length]) {
        chunks.push(wire.subarray(last, p));
        last = p;
      }
      const seen = parse(chunks);
      assert.equal(seen.heads.length, 1);
      assert.equal(seen.heads[0]?.status, r.status);
      assert.deepEqual(
        seen.heads[0]?.rawHeaders.filter(
          (_, i, a) => i % 2 === 0 && !/^(Content-Length|Transfer-Encoding)$/.test(a[i]!),
        ),
        r.headers.map(([k]) => k),
      );
      assert.equal(seen.body, r.body);
      assert.deepEqual(seen.ends, [true]);
    }),
    { numRuns: 300 },
  );
});
