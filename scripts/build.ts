/**
 * Builds the package's JavaScript into dist/: esbuild bundles the CLI (dist/cli/main.js) and the
 * data-plane agent (dist/agent/main.js), with every lazily loaded command in a chunk of its own and
 * the npm dependencies left as imports (but for the two every command needs, see BUNDLED); then Ajv compiles the JSON Schema validators of runway.yaml
 * and of every built-in action's `with:` inputs ahead of time (dist/schema-validators.cjs), so no
 * command pays for compiling them at start-up (written so that V8 compiles them with the file and
 * Node's compile cache keeps their bytecode); and the web dashboard (dist/web/: index.html, app.js
 * with uPlot bundled, app.css), so a package serves it offline. `npm pack` runs this (prepack); bin/runway.js runs
 * dist/ in a package. Type errors are `npm run typecheck`'s job, not this script's.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { build, type Plugin } from 'esbuild';
import { ACTIONS } from '../src/actions/registry.ts';
import { PIPELINE_SCHEMA } from '../src/config/schema.ts';
import { AJV_OPTIONS, schemaKey } from '../src/config/validate-schema.ts';
import { buildDashboard } from '../src/web/assets.ts';
import { eagerValidators } from './eager-validators.ts';
import { lazyCrypto } from './lazy-crypto.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

/**
 * npm dependencies built into the bundle rather than left as imports: the two that every command
 * loads. `yaml` alone is 70 CommonJS files that Node would find, read and compile one by one at each
 * start; bundled, they are one chunk the compile cache keeps. Their licences go to dist/ beside them.
 */
const BUNDLED = ['yaml', '@marcbachmann/cel-js'];

/** Leaves every bare import (an npm package or a builtin) external, except the `bundled` packages. */
function externalExcept(bundled: readonly string[]): Plugin {
  const inside = (path: string) => bundled.some((name) => path === name || path.startsWith(`${name}/`));
  return {
    name: 'external-except',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        inside(args.path) ? undefined : { path: args.path, external: true },
      );
    },
  };
}

rmSync(DIST, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli/main.ts', 'src/agent/main.ts', 'src/executors/local/spawn-server.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.18',
  plugins: [lazyCrypto(), externalExcept(BUNDLED)],
  // the bundled CommonJS (yaml) requires builtins; ESM has no `require` of its own
  banner: {
    js: "import { createRequire as __runwayRequire } from 'node:module'; const require = __runwayRequire(import.meta.url);",
  },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

const schemas: Record<string, object> = { [schemaKey(PIPELINE_SCHEMA)]: PIPELINE_SCHEMA };
for (const action of ACTIONS.values()) schemas[schemaKey(action.inputs)] = action.inputs;
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
for (const [key, schema] of Object.entries(schemas)) ajv.addSchema(schema, key);
const standaloneCode = standalone as unknown as (a: Ajv, refs: Record<string, string>) => string;
const refs = Object.fromEntries(Object.keys(schemas).map((k) => [k, k]));
// compiled with the file, so Node's compile cache keeps them (see eager-validators.ts)
writeFileSync(join(DIST, 'schema-validators.cjs'), eagerValidators(standaloneCode(ajv, refs)));
writeFileSync(
  join(DIST, 'THIRD-PARTY-LICENSES.txt'),
  BUNDLED.map((name) => {
    const meta = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    };
    const licence = readFileSync(join(ROOT, 'node_modules', name, 'LICENSE'), 'utf8').trim();
    return `${name}@${meta.version}, bundled into dist/:\n\n${licence}\n`;
  }).join('\n---\n\n'),
);
// the dashboard's page, script and styles (uPlot bundled in), served by runway serve from dist/web/
mkdirSync(join(DIST, 'web'), { recursive: true });
for (const [name, body] of await buildDashboard(ROOT)) writeFileSync(join(DIST, 'web', name), body);
process.stdout.write(
  `built dist/ (CLI, agent, ${Object.keys(schemas).length} precompiled schema validators, dashboard)\n`,
);
