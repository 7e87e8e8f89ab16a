import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTarget, RoutesError, validateRoutes } from './routes.ts';

const valid = {
  service: 'checkout-api',
  backends: [
    { version: 'stable', target: '127.0.0.1:4001', weight: 999 },
    { version: 'canary', target: 'localhost:4002', weight: 1 },
  ],
  match: [
    { header: { name: 'X-Canary', value: 'always' }, version: 'canary' },
    { cookie: { name: 'ab', value: 'b' }, version: 'canary' },
  ],
  addVersionHeader: true,
};

function problemsOf(input: unknown): readonly string[] {
  try {
    validateRoutes(input);
  } catch (err) {
    assert.ok(err instanceof RoutesError);
    return err.problems;
  }
  assert.fail('expected a RoutesError');
}

test('valid routes come back frozen, 0.1 % weights included', () => {
  const routes = validateRoutes(valid);
  assert.deepEqual(routes, valid);
  assert.ok(
    Object.isFrozen(routes) && Object.isFrozen(routes.backends) && Object.isFrozen(routes.backends[0]),
  );
  assert.ok(Object.isFrozen(routes.match?.[0]?.header));
});

test('weights that do not sum to 1000 are rejected with the sum', () => {
  const problems = problemsOf({
    ...valid,
    match: undefined,
    backends: [{ version: 'a', target: 'h:1', weight: 900 }],
  });
  assert.deepEqual(problems, ['backend weights must sum to 1000 (per-mille), got 900']);
});

test('fractional or out-of-range weights name the backend and the value', () => {
  const problems = problemsOf({
    ...valid,
    match: undefined,
    backends: [
      { version: 'a', target: 'h:1', weight: 999.5 },
      { version: 'b', target: 'h:2', weight: -1 },
    ],
  });
  assert.deepEqual(problems, [
    'backends[0].weight must be an integer in 0..1000 (per-mille), got 999.5',
    'backends[1].weight must be an integer in 0..1000 (per-mille), got -1',
  ]);
});

test('duplicate versions are rejected', () => {
  const problems = problemsOf({
    ...valid,
    match: undefined,
    backends: [
      { version: 'a', target: 'h:1', weight: 500 },
      { version: 'a', target: 'h:2', weight: 500 },
    ],
  });
  assert.deepEqual(problems, ['backends[1].version "a" appears more than once']);
});

test('a match rule naming an unknown version lists the known ones', () => {
  const problems = problemsOf({ ...valid, match: [{ header: { name: 'x', value: '1' }, version: 'beta' }] });
  assert.deepEqual(problems, [
    'match[0].version "beta" is not a backend version (known: "stable", "canary")',
  ]);
});

test('a match rule needs exactly one of header or cookie', () => {
  const both = { header: { name: 'x', value: '1' }, cookie: { name: 'c', value: '1' }, version: 'canary' };
  assert.deepEqual(problemsOf({ ...valid, match: [both] }), [
    'match[0] needs exactly one of header or cookie',
  ]);
  assert.deepEqual(problemsOf({ ...valid, match: [{ version: 'canary' }] }), [
    'match[0] needs exactly one of header or cookie',
  ]);
});

test('bad targets, names, keys and types are all reported at once', () => {
  const problems = problemsOf({
    service: '',
    backends: [{ version: 'a b', target: 'nohost', weight: 1000, extra: 1 }],
    match: [{ header: { name: 'bad name', value: 'x\ny' }, version: 'a b' }],
    addVersionHeader: 'yes',
  });
  assert.deepEqual(problems, [
    'service must be a non-empty string, got ""',
    'addVersionHeader must be true or false, got "yes"',
    'backends[0] has unknown key "extra" (expected version, target, weight)',
    'backends[0].version must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$, got "a b"',
    'backends[0].target must be "host:port" with a port in 1..65535, got "nohost"',
    'match[0].header.name must be a header name, got "bad name"',
    'match[0].header.value must be a string without line breaks, got "x\\ny"',
  ]);
});

test('non-objects and empty backends are rejected', () => {
  assert.deepEqual(problemsOf(null), ['routes must be an object, got null']);
  assert.deepEqual(problemsOf({ ...valid, backends: [], match: undefined }), [
    'backends must be a non-empty list, got a list',
  ]);
});

test('the error message carries every problem', () => {
  assert.throws(
    () => validateRoutes({ ...valid, service: 3 }),
    /invalid routes: service must be a non-empty string, got 3/,
  );
});

test('parseTarget accepts names, IPv4 and bracketed IPv6 and rejects bad ports', () => {
  assert.deepEqual(parseTarget('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseTarget('[::1]:8080'), { host: '::1', port: 8080 });
  assert.deepEqual(parseTarget('svc.local:65535'), { host: 'svc.local', port: 65535 });
  assert.equal(parseTarget('h:0'), undefined);
  assert.equal(parseTarget('h:65536'), undefined);
  assert.equal(parseTarget('::1:80'), undefined);
});
