import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Pipeline, Stage } from '../config/pipeline.ts';
import { groupAlive, processAlive, signalGroup } from '../executors/local/process-group.ts';
import {
  RunTakenOverError,
  type RunOwner,
  type RunRecord,
  type RunStatus,
  type StageRecord,
} from '../store/store.ts';
import type { EngineDeps } from './engine-deps.ts';
import { ResumeError } from './errors.ts';
import { secretPatterns } from './masker.ts';
import type { RunContext } from './run-context.ts';
import { ancestryOf, RunKit, type RunCtx, type StepState } from './run-kit.ts';
import { runDag } from './scheduler.ts';
import { resolveSecrets } from './secrets.ts';
import { finishStage, runStage } from './stage-runner.ts';

export type { EngineDeps } from './engine-deps.ts';

export { ResumeError } from './errors.ts';

const HEARTBEAT_MS = 1000;
const STALE_AFTER_MS = 15_000;

/**
 * Whether `pid` is a live runway process: alive, not a zombie, and (where /proc tells) running
 * runway — a dead runner's pid reused by another program does not hold its run forever.
 */
function runnerAlive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  if (/\)\s+Z\s/.test(stat)) return false;
  return /runway/i.test(cmdline);
}

/** Runs pipelines: every state change is written to the store before it counts. */
export class Engine {
  readonly #d: EngineDeps;
  readonly #kit: RunKit;
  readonly #owner: RunOwner = { pid: process.pid, host: hostname() };

  constructor(deps: EngineDeps) {
    this.#d = deps;
    this.#kit = new RunKit(deps, this.#owner);
  }

  /** Starts a new run and executes it to the end; returns the final record. */
  async start(pipeline: Pipeline, context: RunContext, signal?: AbortSignal): Promise<RunRecord> {
    const secrets = resolveSecrets(pipeline, this.#d.hostEnv);
    const run = await this.#d.store.createRun({ pipeline, context, owner: this.#owner, at: this.#kit.now() });
    return this.#execute(run, secrets, new Map(), new Map(), signal, 'run.started');
  }

  /**
   * Continues a run whose process died: finished steps are kept, a step that was in flight is
   * stopped if its processes survived and run again. An owner on this host is taken over only
   * when its process is gone, however old its heartbeat (a stopped or busy runner is alive); an
   * owner on another host only once its heartbeat is stale.
   */
  async resume(runId: number, signal?: AbortSignal): Promise<RunRecord> {
    const { store } = this.#d;
    const run = await store.getRun(runId);
    if (!run) throw new ResumeError(`run ${runId} does not exist`);
    if (run.status !== 'running') throw new ResumeError(`run ${runId} already ended: ${run.status}`);
    const now = this.#d.clock.now().getTime();
    const ownerHere = run.owner?.host === this.#owner.host;
    const isSelf = ownerHere && run.owner?.pid === this.#owner.pid;
    if (run.owner && ownerHere && !isSelf && runnerAlive(run.owner.pid)) {
      throw new ResumeError(
        `run ${runId} is still being executed by process ${run.owner.pid} on this host (heartbeat ${run.heartbeatAt}); stop that process first`,
      );
    }
    const staleBefore = ownerHere
      ? new Date(now + 1).toISOString()
      : new Date(now - STALE_AFTER_MS).toISOString();
    const secrets = resolveSecrets(run.pipeline, this.#d.hostEnv);
    if (!(await store.claimRun(runId, this.#owner, this.#kit.now(), staleBefore))) {
      throw new ResumeError(
        `run ${runId} is still being executed by process ${run.owner?.pid} on ${run.owner?.host} (heartbeat ${run.heartbeatAt})`,
      );
    }
    const sameHost = run.owner?.host === this.#owner.host;
    const stages = new Map((await store.stages(runId)).map((s) => [s.name, s]));
    const outputs = await store.outputs(runId);
    const steps = new Map<string, StepState>();
    for (const rec of await store.steps(runId)) {
      if (sameHost && rec.status === 'running' && rec.pgid && groupAlive(rec.pgid)) {
        signalGroup(rec.pgid, 'SIGKILL');
      }
      steps.set(rec.key, { record: rec, outputs: outputs[rec.key] ?? {} });
    }
    return this.#execute(run, secrets, stages, steps, signal, 'run.resumed');
  }

  async #execute(
    run: RunRecord,
    secrets: Record<string, string>,
    stageRecords: Map<string, StageRecord>,
    stepStates: Map<string, StepState>,
    outerSignal: AbortSignal | undefined,
    startEvent: string,
  ): Promise<RunRecord> {
    const { store } = this.#d;
    const pipeline = run.pipeline;
    const patterns = secretPatterns(Object.values(secrets));
    const controller = new AbortController();
    const cancel = () => controller.abort();
    outerSignal?.addEventListener('abort', cancel, { once: true });
    if (outerSignal?.aborted) cancel();

    // heartbeat, losing the run to another process, and cancellation requested by another process
    let lost = false;
    const beat = setInterval(() => {
      void store.heartbeat(run.id, this.#owner, this.#kit.now()).then(
        (held) => {
          if (!held) {
            lost = true;
            cancel();
          }
        },
        () => undefined,
      );
      void store.getRun(run.id).then(
        (r) => {
          if (r?.cancelRequestedAt) cancel();
        },
        () => undefined,
      );
    }, HEARTBEAT_MS);
    beat.unref();

    const ctx: RunCtx = {
      kit: this.#kit,
      run,
      pipeline,
      secrets,
      patterns,
      signal: controller.signal,
      stageRecords,
      stepStates,
      evidence: Object.fromEntries((await store.evidence(run.id)).map((e) => [e.key, e.value])),
      runDir: join(this.#d.dataDir, 'runs', String(run.id)),
      dirs: new Set(),
      ancestors: ancestryOf(pipeline),
    };
    await this.#kit.apply(run.id, {
      event: { type: startEvent, data: { pipeline: pipeline.name, sha: run.context.sha } },
    });
    const stopOnLoss = (err: unknown): void => {
      if (!(err instanceof RunTakenOverError)) throw err;
      lost = true;
      cancel();
    };
    try {
      const byName = new Map(pipeline.stages.map((s) => [s.name, s]));
      await runDag(pipeline.stages, pipeline.concurrency, (name) => {
        const stage = byName.get(name) as Stage;
        return runStage(ctx, stage)
          .catch((err: unknown) => {
            if (err instanceof RunTakenOverError) return stopOnLoss(err);
            return finishStage(
              ctx,
              stage,
              'failed',
              ctx.stageRecords.get(name)?.startedAt,
              `runway: ${String((err as Error)?.message ?? err)}`,
            );
          })
          .catch(stopOnLoss);
      });
    } finally {
      clearInterval(beat);
      outerSignal?.removeEventListener('abort', cancel);
    }
    if (lost) throw new RunTakenOverError(run.id, (await store.getRun(run.id))?.owner);
    const finals = [...ctx.stageRecords.values()].map((s) => s.status);
    const status: RunStatus = controller.signal.aborted
      ? 'cancelled'
      : finals.includes('failed')
        ? 'failed'
        : 'succeeded';
    const failedStages = [...ctx.stageRecords.values()]
      .filter((s) => s.status === 'failed')
      .map((s) => s.name);
    const warned = [...ctx.stepStates.values()]
      .filter((s) => s.record.status === 'warning')
      .map((s) => s.record.key);
    const reason =
      status === 'cancelled'
        ? 'cancelled'
        : status === 'failed'
          ? `failed stages: ${failedStages.join(', ')}`
          : warned.length > 0
            ? `warnings: ${warned.join(', ')}`
            : undefined;
    await this.#kit.apply(run.id, {
      run: { status, finishedAt: this.#kit.now(), ...(reason ? { reason } : {}) },
      event: { type: 'run.finished', data: { status, ...(reason ? { reason } : {}) } },
    });
    return (await store.getRun(run.id)) as RunRecord;
  }
}
