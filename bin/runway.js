#!/usr/bin/env node
// Plain JavaScript so that an old Node can still say what it needs instead of failing to parse TypeScript.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `runway needs Node.js 22.18 or newer (this is ${process.version}).\n` +
      'Run it through npm (npm exec runway, npm run demo), which puts the project Node 24 first on PATH.\n',
  );
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
