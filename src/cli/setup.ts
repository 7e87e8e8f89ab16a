import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ACTIONS } from '../actions/registry.ts';
import { systemClock } from '../engine/clock.ts';
import type { EventFunnel } from '../engine/events.ts';
import { Engine } from '../engine/runner.ts';
import { LocalExecutor } from '../executors/local/local-executor.ts';
import { defaultStoreUrl, isPostgresUrl, openStore, redactStoreUrl } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { ServerClient, type ServerError } from '../server/client.ts';
import { locateServer } from '../server/discovery.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';
import { pipelineFile } from './flags.ts';

export { FILE_FLAG, instantFlag, JSON_FLAG, parse, pipelineFile, runId, STORE_FLAG } from './flags.ts';

/** The store's URL: `--store`, else RUNWAY_STORE, else beside the pipeline file. */
/** The store's URL: --store, else RUNWAY_STORE, else the SQLite file beside runway.yaml. */
export function storeUrl(io: Io, flags: { store?: string | undefined; file?: string | undefined }): string {
  return flags.store ?? io.env['RUNWAY_STORE'] ?? defaultStoreUrl(dirname(pipelineFile(io, flags.file)));
}

/** The store's URL fit for logs: its password, if any, replaced by `***`. */
export function storeLabel(io: Io, flags: { store?: string | undefined; file?: string | undefined }): string {
  return redactStoreUrl(storeUrl(io, flags));
}

/** Whether the store already exists (read commands never create one). */
export function storeExists(
  io: Io,
  flags: { store?: string | undefined; file?: string | undefined },
): boolean {
  const path = storeUrl(io, flags).replace(/^sqlite:/, '');
  return path === ':memory:' || /^[a-z]+:\/\//i.test(path) || existsSync(resolve(io.cwd, path));
}

/** Opens the store: `--store`, else RUNWAY_STORE, else `.runway/runway.db` beside the pipeline file. */
export async function storeFor(
  io: Io,
  flags: { store?: string | undefined; file?: string | undefined },
  opts: { existing?: boolean } = {},
): Promise<{
  store: Store;
  dataDir: string;
}> {
  const url = storeUrl(io, flags);
  if (opts.existing && !storeExists(io, flags)) {
    throw new UsageError(
      `no store at ${url.replace(/^sqlite:/, '')} — nothing has run here yet (or pass --store)`,
    );
  }
  let store: Store;
  try {
    store = await openStore(
      url.startsWith('sqlite:') || /^[a-z]+:\/\//i.test(url) ? url : resolve(io.cwd, url),
    );
  } catch (err) {
    throw new UsageError(`cannot open the store: ${(err as Error).message}`);
  }
  return { store, dataDir: dataDirFor(io.cwd, url) };
}

/** Builds the engine with the built-in local executor and actions. */
export function engineFor(io: Io, store: Store, dataDir: string, events: EventFunnel): Engine {
  return new Engine({
    store,
    executor: new LocalExecutor(),
    actions: ACTIONS,
    clock: systemClock,
    events,
    dataDir,
    hostEnv: io.env,
  });
}

/** Cancels on the first Ctrl-C/SIGTERM, exits at once on the second. */
export function cancelOnSignals(io: Io): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    io.err(`\nrunway: ${sig}: cancelling the run (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Logs and step files of a store live beside it, in a folder named after it: `.runway/runway.db` → `.runway/runway/`. */
export function dataDirFor(cwd: string, url: string): string {
  if (isPostgresUrl(url)) return resolve(cwd, '.runway', 'shared');
  const path = url.replace(/^sqlite:/, '');
  if (path === ':memory:') return resolve(cwd, '.runway', 'memory');
  const file = resolve(cwd, path);
  return join(dirname(file), basename(file, extname(file)));
}

/** Who is acting: `--as`, else git's user.email, else the OS user. The local CLI trusts the machine's user. */
export function whoAmI(io: Io, flag: string | undefined): string {
  if (flag !== undefined) {
    if (flag.trim().length < 3)
      throw new UsageError(`--as needs an identity such as an e-mail address, got "${flag}"`);
    return flag;
  }
  try {
    const email = execFileSync('git', ['config', 'user.email'], {
      cwd: io.cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (email) return email;
  } catch {
    // no git identity: fall through
  }
  return io.env['USER'] ?? 'unknown';
}

/** Whether a control plane serves this store (or RUNWAY_SERVER points at one). */
export function serverRunning(
  io: Io,
  flags: { store?: string | undefined; file?: string | undefined },
): boolean {
  return locateServer(dataDirFor(io.cwd, storeUrl(io, flags)), io.env) !== undefined;
}

/** A client of the control plane that serves this store, or a usage error saying how to start one. */
export function serverClientFor(
  io: Io,
  flags: { store?: string | undefined; file?: string | undefined },
): ServerClient {
  const url = storeUrl(io, flags);
  const found = locateServer(dataDirFor(io.cwd, url), io.env);
  if (!found) {
    throw new UsageError(
      'the control plane is not running: start it with "runway serve" (in another terminal)',
    );
  }
  return new ServerClient(found);
}

/** A refused API call as a usage error (exit 2) with the fields the server named; 401 and 403 stay as they are (exit 4). */
export function refusal(err: ServerError): Error {
  if (err.status === 401 || err.status === 403) return err;
  return new UsageError(err.message + err.issues.map((i) => `\n  ${i.field}: ${i.message}`).join(''));
}
