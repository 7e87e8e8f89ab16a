#!/usr/bin/env node
// Plain JavaScript so that an old Node can still say what it needs instead of failing to parse TypeScript.
import { existsSync } from 'node:fs';
import module from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `runway needs Node.js 22.18 or newer (this is ${process.version}).\n` +
      'Run it through npm (npm exec runway, npm run demo), which puts the project Node 24 first on PATH.\n',
  );
  process.exit(2);
}
// Compiled code is cached between runs (Node's compile cache, in the OS temp folder).
module.enableCompileCache?.();
// A package has only the built JavaScript (dist/). A checkout has the sources, which win so that an
// old build never runs in their place; RUNWAY_BUILT=1 runs the build of a checkout (bench/startup.ts).
const built = new URL('../dist/cli/main.js', import.meta.url);
const sources = new URL('../src/cli/main.ts', import.meta.url);
const useBuilt = existsSync(built) && (process.env.RUNWAY_BUILT === '1' || !existsSync(sources));
const { main } = await import(useBuilt ? built.href : sources.href);
process.exitCode = await main(process.argv.slice(2));
