import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config/errors.ts';
import { loadPipeline } from '../../config/load.ts';
import type { Pipeline } from '../../config/pipeline.ts';
import { systemClock } from '../../engine/clock.ts';
import { EventFunnel } from '../../engine/events.ts';
import { resolveSecrets } from '../../engine/secrets.ts';
import { readRunContext, type ContextOverrides } from '../../engine/run-context.ts';
import { actionsJob } from '../../interop/github/actions-context.ts';
import { eventContext } from '../../triggers/github-event.ts';
import { configAnnotations, maskCommands, reportRun } from '../../interop/github/report.ts';
import { annotation } from '../../interop/github/workflow-commands.ts';
import { Notifications } from '../../notify/notifications.ts';
import { runNotificationSink } from '../../notify/run-events.ts';
import type { RunRecord, Store } from '../../store/store.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { liveView } from '../render/live.ts';
import { ndjsonSink } from '../render/ndjson.ts';
import { plainSink } from '../render/plain.ts';
import { printSummary } from '../render/summary.ts';
import {
  cancelOnSignals,
  engineFor,
  FILE_FLAG,
  instantFlag,
  JSON_FLAG,
  parse,
  pipelineFile,
  STORE_FLAG,
  storeFor,
} from '../setup.ts';
import type { Engine } from '../../engine/runner.ts';

const FLAGS = {
  ...FILE_FLAG,
  ...STORE_FLAG,
  ...JSON_FLAG,
  sha: { type: 'string' },
  ref: { type: 'string' },
  message: { type: 'string' },
  author: { type: 'string' },
  trigger: { type: 'string' },
  'committed-at': { type: 'string' },
  at: { type: 'string' },
  'github-event': { type: 'string' },
  'event-file': { type: 'string' },
} as const;

/** `runway run`: validates the pipeline, then runs it for the current commit. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, FLAGS);
  const file = pipelineFile(io, values.file);
  // inside GitHub Actions: context from the job, results back as summary, annotations, outputs
  const job = actionsJob(io.env);
  let pipeline: Pipeline;
  try {
    pipeline = loadPipeline(file);
  } catch (err) {
    if (job && err instanceof ConfigError)
      for (const line of configAnnotations(err.issues)) io.out(`${line}\n`);
    throw err;
  }
  const webhook = webhookContext(values['github-event'], values['event-file']);
  const overrides: ContextOverrides = {
    ...job?.context,
    ...webhook,
    ...(values.sha !== undefined ? { sha: values.sha } : {}),
    ...(values.ref !== undefined ? { ref: values.ref } : {}),
    ...(values.message !== undefined ? { message: values.message } : {}),
    ...(values.author !== undefined ? { author: values.author } : {}),
    ...(values['committed-at'] !== undefined ? { committedAt: values['committed-at'] } : {}),
    trigger: values.trigger ?? webhook.trigger ?? job?.context.trigger ?? 'manual',
    ...(values.at !== undefined ? { at: instantFlag(values.at, systemClock, '--at').toISOString() } : {}),
  };
  const context = readRunContext(pipeline.root, overrides);
  const secrets = resolveSecrets(pipeline, io.env); // fail before anything is written
  if (job) {
    for (const line of maskCommands(secrets)) io.out(`${line}\n`);
    for (const warning of job.warnings) io.out(`${annotation('warning', warning)}\n`);
  }
  const { store, dataDir } = await storeFor(io, values);
  try {
    return await execute(
      io,
      store,
      pipeline,
      Boolean(values.json),
      (engine, signal) => engine.start(pipeline, context, signal),
      dataDir,
      job && ((record) => reportRun(job, store, record, secrets, (line) => io.out(`${line}\n`))),
    );
  } finally {
    await store.close();
  }
}

/** Runs or resumes with the right display, and maps the result to an exit code. */
export async function execute(
  io: Io,
  store: Store,
  pipeline: Pipeline,
  json: boolean,
  go: (engine: Engine, signal: AbortSignal) => Promise<RunRecord>,
  dataDir: string,
  finished?: (record: RunRecord) => Promise<void>,
): Promise<number> {
  const events = new EventFunnel();
  const live = !json && io.tty ? liveView(io, pipeline) : undefined;
  events.add(json ? ndjsonSink(io) : live ? live.sink : plainSink(io));
  const notifications = new Notifications({
    subscriptions: pipeline.notifications ?? {},
    secrets: resolveSecrets(pipeline, io.env),
    log: store,
    clock: systemClock,
  });
  events.add(runNotificationSink(notifications, pipeline));
  const signals = cancelOnSignals(io);
  let record: RunRecord;
  try {
    record = await go(engineFor(io, store, dataDir, events), signals.signal);
  } finally {
    signals.dispose();
    live?.stop();
  }
  for (const d of await notifications.flush()) {
    if (d.status === 'failed')
      io.err(
        `runway: notification ${d.subscription} (${d.event}) not delivered after ${d.attempts} attempt(s): ${d.error}\n`,
      );
  }
  if (!json) await printSummary(io, store, record);
  await finished?.(record);
  return record.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}

/** The context of a GitHub webhook delivery (`--github-event push|pull_request --event-file F`). */
function webhookContext(event: string | undefined, file: string | undefined): ContextOverrides {
  if (event === undefined && file === undefined) return {};
  if (event !== 'push' && event !== 'pull_request')
    throw new UsageError(
      `--github-event must be push or pull_request (with --event-file), got "${event ?? ''}"`,
    );
  if (file === undefined)
    throw new UsageError("--github-event needs --event-file, the delivery's JSON payload");
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--event-file ${file}: ${(err as Error).message}`);
  }
  return eventContext(event, payload);
}
