/**
 * Writes docs/openapi.json and docs/api.md from the API's route definitions (src/server). A test
 * fails when the committed files differ from what this writes.
 *
 *   node scripts/api-docs.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describedRoutes } from '../src/server/api.ts';
import { apiMarkdown, openApiDocument } from '../src/server/openapi.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = openApiDocument(describedRoutes());
writeFileSync(join(root, 'docs', 'openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
const md = join(root, 'docs', 'api.md');
const options = (await prettier.resolveConfig(md)) ?? {};
writeFileSync(md, await prettier.format(apiMarkdown(doc), { ...options, parser: 'markdown' }));
console.log('wrote docs/openapi.json and docs/api.md');
