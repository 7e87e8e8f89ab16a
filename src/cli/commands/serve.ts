import { stopAgent } from '../../agent/launch.ts';
import { startControlPlane } from '../../server/control-plane.ts';
import { analysisFactory } from '../../server/analysis-factory.ts';
import { locateServer, pidAlive, readServerInfo, serverFiles } from '../../server/discovery.ts';
import { EXIT, UsageError } from '../errors.ts';
import { calendarsFor } from './window.ts';
import type { Io } from '../io.ts';
import {
  FILE_FLAG,
  JSON_FLAG,
  parse,
  pipelineFile,
  STORE_FLAG,
  storeFor,
  storeLabel,
  storeUrl,
} from '../setup.ts';
import { existsSync } from 'node:fs';
import { loadPipeline } from '../../config/load.ts';
import { NOP_RUN_STARTER, ProcessRunStarter } from '../../triggers/run-starter.ts';
import { WEBHOOK_SECRET_ENV } from '../../triggers/webhook-route.ts';

const USAGE =
  'runway serve [start] [--port N] [-f runway.yaml] [--store sqlite:PATH|postgres://USER:PW@HOST/DB] | serve status | serve stop';

/**
 * `runway serve`: runs the control plane (API, rollout controller) in the foreground and starts
 * the data-plane agent if it is not running. `serve stop` stops both; `serve status` tells.
 */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...FILE_FLAG,
    ...STORE_FLAG,
    ...JSON_FLAG,
    port: { type: 'string' },
    prometheus: { type: 'string' },
  });
  const sub = positionals[0] ?? 'start';
  if (!['start', 'stop', 'status'].includes(sub))
    throw new UsageError(`unknown subcommand "${sub}" — usage: ${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a TCP port from 1 to 65535, got "${values.port}"`);
  }
  const { store, dataDir } = await storeFor(io, values, sub === 'start' ? {} : { existing: true });
  const say = (data: unknown, text: string) => io.out(values.json ? `${JSON.stringify(data)}\n` : text);

  if (sub === 'status') {
    await store.close();
    const info = readServerInfo(dataDir);
    const running = info !== undefined && pidAlive(info.pid);
    say(
      { running, ...(running ? info : {}) },
      running ? `control plane running at ${info!.url} (pid ${info!.pid})\n` : 'control plane not running\n',
    );
    return running ? EXIT.ok : EXIT.failed;
  }
  if (sub === 'stop') {
    await store.close();
    const info = readServerInfo(dataDir);
    if (info && pidAlive(info.pid)) {
      process.kill(info.pid, 'SIGTERM');
      for (let i = 0; i < 100 && pidAlive(info.pid); i++) await new Promise((r) => setTimeout(r, 50));
    }
    const agent = await stopAgent(serverFiles(dataDir).agentDir);
    say(
      { stopped: true, agent },
      `control plane stopped${agent ? '; data plane agent stopped (its instances too)' : ''}\n`,
    );
    return EXIT.ok;
  }

  // control planes sharing a PostgreSQL store run side by side; on SQLite one is enough
  const existing = store.kind === 'sqlite' ? locateServer(dataDir, {}) : undefined;
  if (existing) {
    await store.close();
    throw new UsageError(
      `a control plane is already running for this store at ${existing.url}; stop it with "runway serve stop"`,
    );
  }
  const log = (line: string) =>
    io.out(
      values.json
        ? `${JSON.stringify({ at: new Date().toISOString(), msg: line })}\n`
        : `${new Date().toISOString()} ${line}\n`,
    );
  let calendars;
  let triggers;
  try {
    calendars = calendarsFor(io, values.file);
    triggers = triggersFor(io, values, dataDir);
  } catch (err) {
    await store.close();
    throw err;
  }
  let plane;
  try {
    plane = await startControlPlane({
      dataDir,
      store,
      port,
      log,
      calendars,
      triggers,
      ...(values.prometheus ? { prometheus: values.prometheus } : {}),
      analysis: analysisFactory({
        store,
        log,
        ...(values.prometheus ? { prometheus: values.prometheus } : {}),
      }),
    });
  } catch (err) {
    await store.close();
    throw new UsageError((err as Error).message);
  }
  log(
    `control plane listening on ${plane.url} (token in ${serverFiles(dataDir).token}; store ${storeLabel(io, values)})`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('stopping the control plane; the data plane keeps serving');
  await plane.close();
  await store.close();
  return EXIT.ok;
}

/** `on:` of the pipeline file (when there is one), the webhook secret, and a starter of runs. */
function triggersFor(io: Io, values: { file?: string; store?: string }, dataDir: string) {
  const file = pipelineFile(io, values.file);
  const pipeline = values.file === undefined && !existsSync(file) ? undefined : loadPipeline(file);
  return {
    on: pipeline?.on,
    secret: io.env[WEBHOOK_SECRET_ENV] || undefined,
    starter: pipeline
      ? new ProcessRunStarter({
          file,
          cwd: pipeline.root,
          storeUrl: storeUrl(io, values),
          dataDir,
          env: io.env,
        })
      : NOP_RUN_STARTER,
  };
}
