/**
 * Builds the package's JavaScript into dist/: esbuild bundles the CLI (dist/cli/main.js) and the
 * data-plane agent (dist/agent/main.js), with every lazily loaded command in a chunk of its own and
 * the npm dependencies left as imports; then Ajv compiles the JSON Schema validators of runway.yaml
 * and of every built-in action's `with:` inputs ahead of time (dist/schema-validators.cjs), so no
 * command pays for compiling them at start-up; and the web dashboard (dist/web/: index.html, app.js
 * with uPlot bundled, app.css), so a package serves it offline. `npm pack` runs this (prepack); bin/runway.js runs
 * dist/ in a package. Type errors are `npm run typecheck`'s job, not this script's.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';
import { ACTIONS } from '../src/actions/registry.ts';
import { PIPELINE_SCHEMA } from '../src/config/schema.ts';
import { AJV_OPTIONS, schemaKey } from '../src/config/validate-schema.ts';
import { buildDashboard } from '../src/web/assets.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli/main.ts', 'src/agent/main.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.18',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

const schemas: Record<string, object> = { [schemaKey(PIPELINE_SCHEMA)]: PIPELINE_SCHEMA };
for (const action of ACTIONS.values()) schemas[schemaKey(action.inputs)] = action.inputs;
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
for (const [key, schema] of Object.entries(schemas)) ajv.addSchema(schema, key);
const standaloneCode = standalone as unknown as (a: Ajv, refs: Record<string, string>) => string;
const refs = Object.fromEntries(Object.keys(schemas).map((k) => [k, k]));
writeFileSync(join(DIST, 'schema-validators.cjs'), standaloneCode(ajv, refs));
// the dashboard's page, script and styles (uPlot bundled in), served by runway serve from dist/web/
mkdirSync(join(DIST, 'web'), { recursive: true });
for (const [name, body] of await buildDashboard(ROOT)) writeFileSync(join(DIST, 'web', name), body);
process.stdout.write(
  `built dist/ (CLI, agent, ${Object.keys(schemas).length} precompiled schema validators, dashboard)\n`,
);
