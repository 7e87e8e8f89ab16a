import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PolicyDefinitionError } from './cel-policy.ts';
import { passingInput } from './gate-input.fixture.ts';
import { OpaHttpPolicy } from './opa-http.ts';
import type { HttpClient } from './opa-http.ts';
import { policyContract } from './policy.contract.ts';

const FIXTURES = new URL('../../../test/fixtures/opa/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const NOW = new Date('2026-01-06T10:00:00.000Z');
const PATH = 'companyos/release/decision';
const DOCUMENT = 'data.companyos.release.decision';

interface Reply {
  status: number;
  body: string;
  hang?: boolean;
}
interface Received {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

let reply: Reply = { status: 200, body: '' };
const received: Received[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      contentType: req.headers['content-type'] ?? '',
      body,
    });
    if (reply.hang) return;
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
});
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  received.length = 0;
  reply = { status: 200, body: fixture('companyos-release-decision-allow.json') };
});

const opa = (options: Partial<ConstructorParameters<typeof OpaHttpPolicy>[0]> = {}) =>
  new OpaHttpPolicy({ url: base, path: PATH, timeoutMs: 1000, ...options });

policyContract('OPA over HTTP', () => ({ policy: opa(), input: passingInput() }));

describe('OpaHttpPolicy against a local HTTP server', () => {
  it('POSTs {input} to /v1/data/<path> and maps an allow with its strategy', async () => {
    const input = passingInput();
    const decision = await opa().evaluate(input, NOW);
    assert.deepEqual(
      received.map(({ method, url, contentType }) => ({ method, url, contentType })),
      [{ method: 'POST', url: `/v1/data/${PATH}`, contentType: 'application/json' }],
    );
    assert.deepEqual(JSON.parse(received[0]?.body ?? ''), { input });
    assert.equal(decision.outcome, 'allow');
    assert.equal(decision.strategy, 'tier1-progressive');
    assert.deepEqual(decision.violations, []);
    assert.deepEqual(decision.policy, { name: `opa:${PATH}`, version: opa().version });
  });

  it('maps violations given as text, as the seed joins them, to non-overridable violations', async () => {
    reply.body = fixture('companyos-release-decision-deny.json');
    const decision = await opa().evaluate(passingInput(), NOW);
    assert.equal(decision.outcome, 'deny');
    assert.equal(decision.strategy, 'tier1-progressive');
    assert.deepEqual(decision.violations, [
      { rule: DOCUMENT, message: 'coverage 72.5% is below the tier 1 minimum of 80%', overridable: false },
      { rule: DOCUMENT, message: 'outside deployment window: Friday afternoon', overridable: false },
    ]);
  });

  it('maps {rule, message, overridable} violations and warnings', async () => {
    reply.body = fixture('companyos-release-decision-deny-objects.json');
    const decision = await opa().evaluate(passingInput(), NOW);
    assert.equal(decision.outcome, 'deny');
    assert.equal(decision.strategy, undefined);
    assert.deepEqual(decision.violations, [
      {
        rule: 'critical-cves',
        message: '2 critical CVEs found; the limit is 0 in every environment',
        overridable: false,
      },
      { rule: 'window', message: 'outside deployment window: weekend', overridable: true },
    ]);
    assert.deepEqual(decision.warnings, [{ rule: DOCUMENT, message: '1 active P2 incidents' }]);
  });

  const denials: [string, Reply, string][] = [
    [
      'an undefined decision (no result key)',
      { status: 200, body: fixture('v1-data-post-undefined.json') },
      `opa has no result for ${DOCUMENT}: the rule is undefined for this input or not loaded`,
    ],
    [
      'a result that is not a decision object',
      { status: 200, body: fixture('v1-data-post-defined-true.json') },
      `opa result for ${DOCUMENT} is malformed: expected {allow, strategy, violations}, got true`,
    ],
    [
      'a result that is a list',
      { status: 200, body: fixture('v1-data-get-defined-array.json') },
      `opa result for ${DOCUMENT} is malformed: expected {allow, strategy, violations}, got [{"id":"s1",`,
    ],
    [
      'a result without allow',
      { status: 200, body: fixture('v1-data-with-metrics.json') },
      `opa result for ${DOCUMENT} is malformed: allow must be true or false, got nothing`,
    ],
    [
      'an OPA error answer',
      { status: 400, body: fixture('error-invalid-parameter.json') },
      'opa answered HTTP 400 (invalid_parameter: error(s) occurred while compiling module(s))',
    ],
    ['a server error without JSON', { status: 502, body: 'Bad Gateway' }, 'opa answered HTTP 502'],
    ['a 200 that is not JSON', { status: 200, body: '<html>' }, 'opa answered with a body that is not JSON'],
    [
      'allow given as text',
      { status: 200, body: '{"result":{"allow":"true","violations":[]}}' },
      `opa result for ${DOCUMENT} is malformed: allow must be true or false, got "true"`,
    ],
    [
      'a violation of the wrong shape',
      { status: 200, body: '{"result":{"allow":false,"violations":[{"msg":"x"}]}}' },
      `opa result for ${DOCUMENT} is malformed: violations[0] must be text or {rule?, message, overridable?}, got {"msg":"x"}`,
    ],
    [
      'a strategy that is not a name',
      { status: 200, body: '{"result":{"allow":true,"strategy":5}}' },
      `opa result for ${DOCUMENT} is malformed: strategy must be a name, got 5`,
    ],
  ];
  for (const [what, answer, message] of denials) {
    it(`denies ${what}`, async () => {
      reply = answer;
      const decision = await opa().evaluate(passingInput(), NOW);
      assert.equal(decision.outcome, 'deny');
      assert.equal(decision.violations.length, 1);
      assert.equal(decision.violations[0]?.rule, 'opa');
      assert.equal(decision.violations[0]?.overridable, false);
      assert.ok(decision.violations[0]?.message.startsWith(message), decision.violations[0]?.message);
    });
  }

  it('denies allow: true when violations are given too', async () => {
    reply.body = '{"result":{"allow":true,"violations":["P1 incident open"]}}';
    const decision = await opa().evaluate(passingInput(), NOW);
    assert.equal(decision.outcome, 'deny');
    assert.deepEqual(decision.violations, [
      { rule: DOCUMENT, message: 'P1 incident open', overridable: false },
    ]);
  });

  it('denies allow: false without reasons, with a reason', async () => {
    reply.body = '{"result":{"allow":false}}';
    const decision = await opa().evaluate(passingInput(), NOW);
    assert.deepEqual(decision.violations, [
      { rule: DOCUMENT, message: 'opa denied without giving a reason', overridable: false },
    ]);
  });

  it('denies when OPA does not answer in time', async () => {
    reply.hang = true;
    const started = Date.now();
    const decision = await opa({ timeoutMs: 150 }).evaluate(passingInput(), NOW);
    assert.ok(Date.now() - started < 1000);
    assert.deepEqual(decision.violations, [
      { rule: 'opa', message: 'opa did not answer within 150 ms', overridable: false },
    ]);
  });

  it('denies when OPA cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const decision = await opa({ url }).evaluate(passingInput(), NOW);
    assert.equal(decision.outcome, 'deny');
    assert.match(decision.violations[0]?.message ?? '', /^opa could not be reached: .*ECONNREFUSED/);
  });
});

describe('OpaHttpPolicy with an injected client', () => {
  it('times out a client that ignores the abort signal', async () => {
    const never: HttpClient = { fetch: () => new Promise(() => {}) };
    const decision = await opa({ client: never, timeoutMs: 50 }).evaluate(passingInput(), NOW);
    assert.equal(decision.violations[0]?.message, 'opa did not answer within 50 ms');
  });

  it('denies when the client throws', async () => {
    const broken: HttpClient = {
      fetch: () => {
        throw new Error('proxy misconfigured');
      },
    };
    const decision = await opa({ client: broken }).evaluate(passingInput(), NOW);
    assert.deepEqual(decision.violations, [
      { rule: 'opa', message: 'opa could not be asked: proxy misconfigured', overridable: false },
    ]);
  });
});

describe('OpaHttpPolicy construction', () => {
  const bad: [string, object, string][] = [
    [
      'a relative url',
      { url: 'localhost:8181' },
      'opa.url: must be an http(s) URL without query, got "localhost:8181"',
    ],
    ['a url with a query', { url: 'http://opa:8181/?pretty' }, 'opa.url: must be an http(s) URL'],
    [
      'a dotted path',
      { path: 'data.companyos.release' },
      'opa.path: must look like "companyos/release/decision", got "data.companyos.release"',
    ],
    ['a path with a leading slash', { path: '/companyos/release' }, 'opa.path: must look like'],
    [
      'a zero timeout',
      { timeoutMs: 0 },
      'opa.timeoutMs: must be a positive whole number of milliseconds, got 0',
    ],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => new OpaHttpPolicy({ url: 'http://127.0.0.1:8181', path: PATH, ...options }),
        (err: unknown) => err instanceof PolicyDefinitionError && err.message.startsWith(message),
      );
    });
  }

  it('versions the adapter by where it asks', () => {
    const a = new OpaHttpPolicy({ url: 'http://opa:8181/', path: PATH });
    assert.equal(a.version, new OpaHttpPolicy({ url: 'http://opa:8181', path: PATH }).version);
    assert.notEqual(a.version, new OpaHttpPolicy({ url: 'http://opa:8181', path: 'other/decision' }).version);
  });
});
