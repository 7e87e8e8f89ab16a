import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionContext, ActionResult } from '../action.ts';
import { attest } from './attest.ts';

/** The commit of the fake run. */
export const SHA = '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';

/** Runs `attest` the way the engine does, with a fake clock and a store that knows when the run started. */
export async function attestIn(
  cwd: string,
  inputs: Record<string, unknown>,
): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = {
    inputs,
    workingDirectory: cwd,
    root: cwd,
    log: (l: string) => lines.push(l),
    step: { key: 'security/attest' },
    expressions: { sha: SHA, ref: 'refs/heads/main' },
    run: { id: 7, pipeline: { name: 'checkout-api' } },
    store: { getRun: async () => ({ createdAt: '2026-05-04T09:58:00.000Z' }) },
    clock: { now: () => new Date('2026-05-04T10:00:00Z'), sleep: async () => {} },
  };
  const result = await attest.run(ctx as unknown as ActionContext);
  return { ...result, log: lines.join('\n') };
}

/** Writes a small release directory. */
export function writeRelease(root: string, name = 'dist'): string {
  mkdirSync(join(root, name, 'public'), { recursive: true });
  writeFileSync(join(root, name, 'server.js'), 'require("http").createServer().listen(4000)\n');
  writeFileSync(join(root, name, 'public/index.html'), '<h1>checkout</h1>\n');
  return join(root, name);
}
