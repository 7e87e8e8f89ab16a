import type { Stage } from '../config/pipeline.ts';
import type { RunningProcess } from '../executors/executor.ts';
import type { NodeStatus, StageRecord, StepRecord } from '../store/store.ts';
import { evaluateCondition, usesStatusFunction, type StatusSoFar } from './expressions.ts';
import { maskText } from './masker.ts';
import { TERMINAL, type RunCtx } from './run-kit.ts';
import { startServices, stopServices } from './services.ts';
import { runSteps } from './step-runner.ts';

/** Runs one stage: decides whether it runs, starts its services, runs its steps, records the result. */
export async function runStage(ctx: RunCtx, stage: Stage): Promise<void> {
  const prior = ctx.stageRecords.get(stage.name);
  if (prior && TERMINAL.has(prior.status)) return;
  const needs = stage.needs.map((n) => ctx.stageRecords.get(n)?.status ?? 'pending');
  const cancelled = ctx.signal.aborted;
  // only an `if:` reads it, and a stage can have as many ancestors as the run has stages
  const soFar = (): StatusSoFar => {
    if (cancelled) return 'cancelled';
    for (const n of ctx.ancestors(stage.name)) {
      const s = ctx.stageRecords.get(n)?.status;
      if (s === 'failed' || s === 'cancelled') return 'failure';
    }
    return 'success';
  };
  const needsAllSucceeded = needs.every((s) => s === 'succeeded');

  // decide whether the stage runs at all; after a cancel only stages that ask for it (always(), cancelled())
  let skipReason: string | undefined;
  if (cancelled && !(stage.if !== undefined && usesStatusFunction(stage.if))) {
    return finishStage(ctx, stage, 'cancelled', undefined, 'the run was cancelled');
  }
  try {
    if (stage.if !== undefined) {
      if (!usesStatusFunction(stage.if) && !needsAllSucceeded) skipReason = needsReason(ctx, stage);
      else if (!evaluateCondition(stage.if, ctx.kit.exprCtx(ctx, stage), soFar())) {
        skipReason = `if: ${stage.if} is false`;
      }
    } else if (!needsAllSucceeded) {
      skipReason = needsReason(ctx, stage);
    }
  } catch (err) {
    return finishStage(ctx, stage, 'failed', undefined, (err as Error).message);
  }
  if (skipReason) return finishStage(ctx, stage, cancelled ? 'cancelled' : 'skipped', undefined, skipReason);

  const startedAt = prior?.startedAt ?? ctx.kit.now();
  ctx.stageRecords.set(stage.name, { name: stage.name, status: 'running', startedAt });
  // committed with the stage's first step (one transaction less per stage): nothing runs before that
  // step's start is durable. Services are processes: their stage is durable before they start.
  const started = {
    stage: { name: stage.name, status: 'running' as const, startedAt },
    event: { type: 'stage.started', data: { stage: stage.name } },
  };
  if (stage.services.length > 0) await ctx.kit.apply(ctx.run.id, started);
  else ctx.kit.hold(ctx.run.id, started);

  const stageController = new AbortController();
  const stageAbort = () => stageController.abort();
  if (!cancelled) ctx.signal.addEventListener('abort', stageAbort, { once: true });
  let stageTimedOut = false;
  const stageTimer =
    stage.timeoutMs !== undefined
      ? setTimeout(() => {
          stageTimedOut = true;
          stageController.abort();
        }, stage.timeoutMs)
      : undefined;

  const services: { name: string; proc: RunningProcess }[] = [];
  let failure: string | undefined;
  try {
    failure = await startServices(ctx, stage, services, stageController.signal);
    if (!failure) failure = await runSteps(ctx, stage, stageController.signal);
  } finally {
    if (stageTimer) clearTimeout(stageTimer);
    ctx.signal.removeEventListener('abort', stageAbort);
    await stopServices(ctx, stage, services);
  }
  if (stageTimedOut) failure = `the stage timed out after ${(stage.timeoutMs ?? 0) / 1000}s`;
  const status: NodeStatus =
    ctx.signal.aborted && !cancelled
      ? 'cancelled'
      : failure && !stage.continueOnError
        ? 'failed'
        : 'succeeded';
  await finishStage(ctx, stage, status, startedAt, failure);
}

function needsReason(ctx: RunCtx, stage: Stage): string {
  const bad = stage.needs
    .map((n) => [n, ctx.stageRecords.get(n)?.status] as const)
    .filter(([, s]) => s !== 'succeeded')
    .map(([n, s]) => `${n} ${s}`);
  return `needs not met: ${bad.join(', ')}`;
}

/** Records a stage as finished, with a record for each of its steps that never ran. */
export async function finishStage(
  ctx: RunCtx,
  stage: Stage,
  status: NodeStatus,
  startedAt: string | undefined,
  reason?: string,
) {
  const rec: StageRecord = {
    name: stage.name,
    status,
    ...(startedAt ? { startedAt } : {}),
    finishedAt: ctx.kit.now(),
    ...(reason ? { reason: maskText(reason, ctx.patterns) } : {}),
  };
  const untouched: StepRecord[] = [];
  for (const step of stage.steps) {
    const existing = ctx.stepStates.get(step.key);
    if (existing && TERMINAL.has(existing.record.status)) continue;
    const stepStatus: NodeStatus = status === 'cancelled' ? 'cancelled' : 'skipped';
    const record = ctx.kit.stepRecord(step, stepStatus, existing?.record.attempts ?? 0, rec.reason, {
      finishedAt: rec.finishedAt,
    });
    untouched.push(record);
    ctx.stepStates.set(step.key, { record, outputs: {} });
  }
  ctx.stageRecords.set(stage.name, rec);
  await ctx.kit.apply(ctx.run.id, {
    stage: rec,
    ...(untouched.length ? { steps: untouched } : {}),
    event: {
      type: 'stage.finished',
      data: { stage: stage.name, status, ...(rec.reason ? { reason: rec.reason } : {}) },
    },
  });
}
