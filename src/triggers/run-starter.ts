/*
 * Starting a pipeline run for a trigger: `runway run` as a child of `runway serve`, in the project's
 * folder, on the same store. Nothing from a webhook becomes a command-line word: the payload goes in
 * a file, the store's URL (which may hold a password) in the environment.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PACKAGE_ROOT } from '../package-root.ts';

/** What starts a run. */
export type StartRequest =
  | { kind: 'github'; event: 'push' | 'pull_request'; payload: Buffer; delivery: string }
  | { kind: 'schedule'; cron: string; timezone: string; at: Date };

/** Starts runs; returns where their output goes. */
export interface RunStarter {
  start(request: StartRequest): Promise<{ log: string }>;
}

/** Starts nothing (a control plane without a pipeline file). */
export const NOP_RUN_STARTER: RunStarter = Object.freeze({
  start: async () => ({ log: '' }),
});

/** Starts `runway run` processes for a pipeline file and a store. */
export class ProcessRunStarter implements RunStarter {
  readonly #file: string;
  readonly #cwd: string;
  readonly #storeUrl: string;
  readonly #dir: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(o: { file: string; cwd: string; storeUrl: string; dataDir: string; env?: NodeJS.ProcessEnv }) {
    this.#file = o.file;
    this.#cwd = o.cwd;
    this.#storeUrl = o.storeUrl;
    this.#dir = join(o.dataDir, 'triggers');
    this.#env = o.env ?? process.env;
  }

  async start(r: StartRequest): Promise<{ log: string }> {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const id = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const args = ['run', '-f', this.#file];
    if (r.kind === 'github') {
      const payload = join(this.#dir, `${id}.json`);
      writeFileSync(payload, r.payload, { mode: 0o600 });
      args.push('--github-event', r.event, '--event-file', payload);
    } else args.push('--trigger', 'schedule');
    const log = join(this.#dir, `${id}.log`);
    const out = openSync(log, 'a', 0o600);
    try {
      const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'runway.js'), ...args], {
        cwd: this.#cwd,
        env: { ...withoutWebhookSecret(this.#env), RUNWAY_STORE: this.#storeUrl },
        stdio: ['ignore', out, out],
        detached: true,
      });
      child.unref();
    } finally {
      closeSync(out);
    }
    return { log };
  }
}

/** The environment without the webhook secret: a run has no use for it. */
function withoutWebhookSecret(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { RUNWAY_WEBHOOK_SECRET: _secret, ...rest } = env;
  return rest;
}
