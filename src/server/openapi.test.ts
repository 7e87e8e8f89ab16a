import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as prettier from 'prettier';
import { describedRoutes } from './api.ts';
import { createApp } from './app.ts';
import { NOP_AUDIT_LOG } from './audit/audit-log.ts';
import { apiMarkdown, openApiDocument } from './openapi.ts';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const committed = JSON.parse(readFileSync(join(docs, 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};

test('docs/openapi.json is what the route definitions describe (run npm run api-docs)', () => {
  assert.deepEqual(committed, openApiDocument(describedRoutes()));
});

test('docs/api.md is generated from the OpenAPI description (run npm run api-docs)', async () => {
  const file = join(docs, 'api.md');
  const options = (await prettier.resolveConfig(file)) ?? {};
  const want = await prettier.format(apiMarkdown(committed), { ...options, parser: 'markdown' });
  assert.equal(readFileSync(file, 'utf8'), want);
});

test('every route the server answers is in the description, and nothing more', () => {
  const app = createApp({
    routes: describedRoutes(),
    auth: { authenticate: async () => undefined },
    audit: NOP_AUDIT_LOG,
    log: () => {},
    metrics: async () => '',
  });
  const served = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
    .sort();
  const described = Object.entries(committed.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(served, described);
  assert.ok(described.includes('POST /v1/runs/{run}/approvals'));
});
