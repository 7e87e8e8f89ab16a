import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const REGISTRY = new URL('./registry.ts', import.meta.url).href;

/** The module URLs a fresh Node loads to import the registry (what `runway validate` pays for). */
function modulesLoadedByRegistry(): string[] {
  const script = `
    import module from 'node:module';
    const loaded = [];
    module.registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    await import(${JSON.stringify(REGISTRY)});
    process.stdout.write(JSON.stringify(loaded));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

test('loading the actions loads their definitions, not the code that runs them', () => {
  const loaded = modulesLoadedByRegistry().filter((u) => u.startsWith('file:'));
  assert.ok(loaded.some((u) => u.endsWith('/actions/deploy/deploy.ts')));
  const runCode = loaded.filter(
    (u) =>
      u.endsWith('-run.ts') ||
      u.endsWith('/actions/run-code.ts') ||
      u.endsWith('/actions/deploy/release.ts') ||
      u.endsWith('/gates/supply-chain/verify-release.ts'),
  );
  assert.deepEqual(runCode, []);
});
