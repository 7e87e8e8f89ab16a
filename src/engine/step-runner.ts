import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ActionResult, EvidenceValue } from '../actions/action.ts';
import type { Stage, Step } from '../config/pipeline.ts';
import type { Change, NodeStatus, StepRecord } from '../store/store.ts';
import { buildStepEnv, renderEnv } from './environment.ts';
import { evaluateCondition, rewriteScript, type ExpressionContext, type StatusSoFar } from './expressions.ts';
import { appendPrivate, isDirectory, safeSize, takeFile } from './files.ts';
import { formatDuration } from './duration.ts';
import { maskText } from './masker.ts';
import { effectiveWrites } from './evidence-merge.ts';
import { parseKeyValues, typeEvidence } from './outputs.ts';
import { TERMINAL, type RunCtx } from './run-kit.ts';

/** Runs the steps of a stage in order; returns why the stage failed, if it did. */
export async function runSteps(ctx: RunCtx, stage: Stage, signal: AbortSignal): Promise<string | undefined> {
  let failure: string | undefined;
  for (const step of stage.steps) {
    const prior = ctx.stepStates.get(step.key);
    if (prior && TERMINAL.has(prior.record.status)) {
      if (prior.record.status === 'failed' && !step.continueOnError) failure ??= `step ${step.id} failed`;
      continue;
    }
    const soFar: StatusSoFar = signal.aborted ? 'cancelled' : failure ? 'failure' : 'success';
    let run = true;
    let skipReason = '';
    try {
      run =
        step.if === undefined
          ? soFar === 'success'
          : evaluateCondition(step.if, ctx.kit.exprCtx(ctx, stage), soFar);
      skipReason =
        step.if === undefined
          ? soFar === 'cancelled'
            ? 'cancelled'
            : 'an earlier step failed'
          : `if: ${step.if} is false`;
    } catch (err) {
      if (!step.continueOnError) failure ??= `step ${step.id}: ${(err as Error).message}`;
      const rec = ctx.kit.stepRecord(step, 'failed', 0, (err as Error).message, {
        failedButContinued: step.continueOnError,
      });
      await finishStep(ctx, step, rec, {});
      continue;
    }
    if (!run) {
      const status: NodeStatus = soFar === 'cancelled' ? 'cancelled' : 'skipped';
      await finishStep(
        ctx,
        step,
        ctx.kit.stepRecord(step, status, prior?.record.attempts ?? 0, skipReason),
        {},
      );
      continue;
    }
    // a step that asked to run after a cancel (always(), cancelled()) is not killed by it
    const stepSignal = soFar === 'cancelled' ? new AbortController().signal : signal;
    // the stage's last step, with no services to stop after it: its finish is committed with the
    // stage's, which follows at once (see finishStep)
    const commitWithStage = step === stage.steps.at(-1) && stage.services.length === 0;
    const result = await runStep(ctx, stage, step, prior?.record, stepSignal, commitWithStage);
    if (result.status === 'failed' && !step.continueOnError)
      failure ??= `step ${step.id} failed: ${result.reason}`;
  }
  return failure;
}

/** Runs one step with its retries; a step that passes only after a failure is marked flaky. */
async function runStep(
  ctx: RunCtx,
  stage: Stage,
  step: Step,
  prior: StepRecord | undefined,
  signal: AbortSignal,
  commitWithStage: boolean,
): Promise<{ status: NodeStatus; reason?: string }> {
  // the log's folder is made on its first line; the files a step writes its outputs and evidence to
  // sit in the run's folder (made once), so a step costs no mkdir (names hold no '.': no two collide)
  const logPath = join(ctx.runDir, stage.name, `${step.id}.log`);
  const runDir = ctx.kit.dir(ctx, '');
  const outputFile = join(runDir, `${stage.name}.${step.id}.output`);
  const evidenceFile = join(runDir, `${stage.name}.${step.id}.evidence`);
  const startedAt = prior?.startedAt ?? ctx.kit.now();
  let attempts = prior?.attempts ?? 0;
  let failedOnce = false;
  const maxAttempts = attempts + step.retry.count + 1;
  let last: {
    ok: boolean;
    reason?: string;
    exitCode?: number;
    outputs: Record<string, string>;
    evidence: Record<string, EvidenceValue>;
  } = {
    ok: false,
    outputs: {},
    evidence: {},
  };
  while (attempts < maxAttempts) {
    attempts++;
    if (attempts > 1 || prior) {
      appendPrivate(
        logPath,
        `\n── attempt ${attempts}${prior?.status === 'running' && attempts === prior.attempts + 1 ? ' (re-run after the previous runner stopped)' : ''} ──\n`,
      );
    }
    if (prior) {
      rmSync(outputFile, { force: true });
      rmSync(evidenceFile, { force: true });
    }
    const running = ctx.kit.stepRecord(step, 'running', attempts, undefined, { startedAt, logPath });
    ctx.stepStates.set(step.key, { record: running, outputs: {} });
    await ctx.kit.apply(ctx.run.id, {
      step: running,
      event: { type: 'step.started', data: { step: step.key, name: step.name, attempt: attempts } },
    });
    last = await attempt(ctx, stage, step, {
      logPath,
      outputFile,
      evidenceFile,
      signal,
      attempts,
      startedAt,
    });
    if (last.ok || signal.aborted || warns(step, last.exitCode)) break;
    failedOnce = true;
    if (attempts < maxAttempts) {
      await ctx.kit.apply(ctx.run.id, {
        event: {
          type: 'step.retrying',
          data: { step: step.key, attempt: attempts, reason: last.reason ?? '' },
        },
      });
      if (step.retry.delayMs > 0) await ctx.kit.deps.clock.sleep(step.retry.delayMs, signal);
    }
  }
  // rerun: every run must pass; the first failing one fails the step as flaky
  let unstable = false;
  for (let run = 2; last.ok && !signal.aborted && run <= (step.rerun ?? 1); run++) {
    attempts++;
    appendPrivate(logPath, `\n── rerun ${run} of ${step.rerun} ──\n`);
    rmSync(outputFile, { force: true });
    rmSync(evidenceFile, { force: true });
    const running = ctx.kit.stepRecord(step, 'running', attempts, undefined, { startedAt, logPath });
    ctx.stepStates.set(step.key, { record: running, outputs: {} });
    await ctx.kit.apply(ctx.run.id, {
      step: running,
      event: { type: 'step.started', data: { step: step.key, name: step.name, attempt: attempts } },
    });
    const next = await attempt(ctx, stage, step, {
      logPath,
      outputFile,
      evidenceFile,
      signal,
      attempts,
      startedAt,
    });
    if (!next.ok && !signal.aborted) {
      unstable = true;
      next.reason = `flaky: run ${run} of ${step.rerun} failed after ${run - 1} passed (${next.reason ?? 'failed'})`;
    }
    last = next;
  }
  const status: NodeStatus =
    signal.aborted && !last.ok
      ? 'cancelled'
      : last.ok
        ? 'succeeded'
        : !unstable && (warns(step, last.exitCode) || step.warnOnFail === true)
          ? 'warning'
          : 'failed';
  const reason =
    status === 'warning'
      ? `${last.reason ?? ''} (${step.warnOnFail ? 'warn-on-fail' : 'warn-on-exit'})`
      : last.reason;
  const rec = ctx.kit.stepRecord(step, status, attempts, last.ok ? undefined : reason, {
    startedAt,
    logPath,
    flaky: (last.ok && failedOnce) || unstable,
    failedButContinued: status === 'failed' && step.continueOnError,
    ...(last.exitCode !== undefined ? { exitCode: last.exitCode } : {}),
  });
  await finishStep(ctx, step, rec, last.outputs, last.evidence, commitWithStage);
  return { status, ...(rec.reason ? { reason: rec.reason } : {}) };
}

/** Whether a `run:` step's exit code is one of its `warn-on-exit` codes. */
function warns(step: Step, exitCode: number | undefined): boolean {
  return exitCode !== undefined && exitCode !== 0 && (step.warnOnExit?.includes(exitCode) ?? false);
}

/** What a `uses:` step's timer resolves to when it fires first. */
const TIMED_OUT = Symbol('timed out');

/** The action's result, or TIMED_OUT when its timer fires first (a cancelled timer waits for the action). */
async function firstOf(
  running: Promise<ActionResult>,
  timer: Promise<boolean>,
): Promise<ActionResult | typeof TIMED_OUT> {
  const fired = await Promise.race([running.then(() => false), timer]);
  return fired ? TIMED_OUT : running;
}

/** One attempt of a step: an action, or a script in its own process group with a clean environment. */
async function attempt(
  ctx: RunCtx,
  stage: Stage,
  step: Step,
  io: {
    logPath: string;
    outputFile: string;
    evidenceFile: string;
    signal: AbortSignal;
    attempts: number;
    startedAt: string;
  },
): Promise<{
  ok: boolean;
  reason?: string;
  exitCode?: number;
  outputs: Record<string, string>;
  evidence: Record<string, EvidenceValue>;
}> {
  let cached: ExpressionContext | undefined;
  const exprCtx = () => (cached ??= ctx.kit.exprCtx(ctx, stage));
  const log = (text: string) => {
    const safe = maskText(text, ctx.patterns);
    appendPrivate(io.logPath, safe);
    ctx.kit.deps.events.emit({
      type: 'step.output',
      runId: ctx.run.id,
      at: ctx.kit.now(),
      data: { step: step.key, text: safe },
    });
  };
  try {
    if (step.uses !== undefined) {
      const action = ctx.kit.deps.actions.get(step.uses);
      if (!action) throw new Error(`unknown action "${step.uses}"`);
      const inputs = Object.fromEntries(
        Object.entries(step.with).map(([k, v]) => [
          k,
          typeof v === 'string' ? renderEnv({ v }, exprCtx)['v'] : v,
        ]),
      );
      // `timeout:` holds for actions too: the action's signal is aborted and the step fails at once
      const timer = new AbortController();
      const actionSignal =
        step.timeoutMs === undefined ? io.signal : AbortSignal.any([io.signal, timer.signal]);
      const running = action.run({
        step,
        inputs,
        expressions: exprCtx(),
        root: ctx.pipeline.root,
        workingDirectory: resolve(ctx.pipeline.root, step.workingDirectory),
        log: (line) => log(`${line}\n`),
        signal: actionSignal,
        run: { id: ctx.run.id, pipeline: ctx.pipeline, context: ctx.run.context },
        store: ctx.kit.deps.store,
        clock: ctx.kit.deps.clock,
        dataDir: ctx.kit.deps.dataDir,
        hostEnv: ctx.kit.deps.hostEnv ?? {},
      });
      const stopTimer = new AbortController();
      const timedOut =
        step.timeoutMs === undefined
          ? undefined
          : ctx.kit.deps.clock.sleep(step.timeoutMs, AbortSignal.any([io.signal, stopTimer.signal])).then(
              () => true,
              () => false,
            );
      const result =
        timedOut === undefined
          ? await running
          : await firstOf(running, timedOut).finally(() => stopTimer.abort());
      if (result === TIMED_OUT) {
        timer.abort(new Error('step timed out'));
        running.catch(() => undefined); // it ends on its own time; its result no longer counts
        log(`timed out after ${formatDuration(step.timeoutMs ?? 0)}: the action was stopped\n`);
        return {
          ok: false,
          reason: `timed out after ${formatDuration(step.timeoutMs ?? 0)}`,
          outputs: {},
          evidence: {},
        };
      }
      return {
        ok: result.ok,
        ...(result.reason ? { reason: maskText(result.reason, ctx.patterns) } : {}),
        outputs: result.outputs ?? {},
        evidence: result.evidence ?? {},
      };
    }
    const cwd = resolve(ctx.pipeline.root, step.workingDirectory);
    if (!isDirectory(cwd)) throw new Error(`working-directory ${step.workingDirectory} does not exist`);
    const { script, bindings } = rewriteScript(step.run ?? '');
    const envLayers = [
      renderEnv(ctx.pipeline.env, exprCtx),
      renderEnv(stage.env, exprCtx),
      renderEnv(step.env, exprCtx),
      renderEnv(Object.fromEntries(bindings.map((b) => [b.name, `\${{ ${b.expr} }}`])), exprCtx),
    ];
    const env = buildStepEnv({
      hostEnv: ctx.kit.deps.hostEnv,
      pipeline: ctx.pipeline,
      run: ctx.run,
      stage: stage.name,
      step: step.id,
      layers: envLayers,
      files: { output: io.outputFile, evidence: io.evidenceFile },
    });
    const result = await ctx.kit.deps.executor.run({
      script,
      cwd,
      env,
      ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
      signal: io.signal,
      secrets: ctx.patterns,
      onStart: (pgid) => {
        const rec = ctx.kit.stepRecord(step, 'running', io.attempts, undefined, {
          startedAt: io.startedAt,
          logPath: io.logPath,
          pgid,
        });
        ctx.stepStates.set(step.key, { record: rec, outputs: {} });
        ctx.kit.applySoon(ctx.run.id, {
          step: rec,
          event: { type: 'step.process', data: { step: step.key, pgid } },
        });
      },
      onOutput: (text) => {
        appendPrivate(io.logPath, text);
        ctx.kit.deps.events.emit({
          type: 'step.output',
          runId: ctx.run.id,
          at: ctx.kit.now(),
          data: { step: step.key, text },
        });
      },
    });
    // the step wrote these files unmasked: remove them before anything can fail, keep only masked copies
    const outputText = takeFile(io.outputFile);
    const evidenceText = takeFile(io.evidenceFile);
    const outputs = parseKeyValues(outputText, `$RUNWAY_OUTPUT of ${step.key}`);
    const evidence = Object.fromEntries(
      Object.entries(parseKeyValues(evidenceText, `$RUNWAY_EVIDENCE of ${step.key}`)).map(([k, v]) => [
        k,
        typeEvidence(v),
      ]),
    );
    const ok = result.exitCode === 0 && !result.timedOut && !result.cancelled;
    const reason = result.timedOut
      ? `timed out after ${(step.timeoutMs ?? 0) / 1000}s`
      : result.cancelled
        ? 'cancelled'
        : result.exitCode === null
          ? `killed by ${result.signal}`
          : `exit code ${result.exitCode}`;
    return {
      ok,
      ...(ok ? {} : { reason }),
      ...(result.exitCode !== null ? { exitCode: result.exitCode } : {}),
      outputs,
      evidence,
    };
  } catch (err) {
    const message = maskText((err as Error).message, ctx.patterns);
    log(`runway: ${message}\n`);
    return { ok: false, reason: message, outputs: {}, evidence: {} };
  }
}

/**
 * Records a finished step with its (masked) outputs and evidence in one transaction. With
 * `commitWithStage` the change is held for the run's next commit (its stage's finish, which the
 * caller makes next), one transaction less per stage. That is safe because whatever acts on the
 * step's result — a dependant stage, another step's `if:` or environment, a gate — commits before
 * it acts, and that commit carries the held change; a crash before it re-runs the step, as it
 * would any step in flight.
 */
export async function finishStep(
  ctx: RunCtx,
  step: Step,
  rec: StepRecord,
  outputs: Record<string, string>,
  evidence: Record<string, EvidenceValue> = {},
  commitWithStage = false,
): Promise<void> {
  const at = ctx.kit.now();
  const bytes = rec.logPath ? safeSize(rec.logPath) : undefined;
  const record: StepRecord = {
    ...rec,
    finishedAt: at,
    ...(bytes !== undefined ? { logBytes: bytes } : {}),
  };
  delete record.pgid;
  evidence = effectiveWrites(ctx.evidence, evidence);
  // keys too: a step may write a secret as a key as easily as a value
  const masked = Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [maskText(k, ctx.patterns), maskText(v, ctx.patterns)]),
  );
  const change: Change = {
    step: record,
    ...(Object.keys(masked).length ? { outputs: { stepKey: step.key, values: masked } } : {}),
    ...(Object.keys(evidence).length
      ? {
          evidence: Object.entries(evidence).map(([key, value]) => ({
            key: maskText(key, ctx.patterns),
            value: typeof value === 'string' ? maskText(value, ctx.patterns) : value,
            stepKey: step.key,
            recordedAt: at,
          })),
        }
      : {}),
    event: {
      type: 'step.finished',
      data: {
        step: step.key,
        status: record.status,
        attempts: record.attempts,
        flaky: record.flaky,
        ...(record.exitCode !== undefined ? { exitCode: record.exitCode } : {}),
        ...(record.reason ? { reason: record.reason } : {}),
        ...(record.failedButContinued ? { continuedOnError: true } : {}),
      },
    },
  };
  if (commitWithStage) ctx.kit.hold(ctx.run.id, change);
  else await ctx.kit.apply(ctx.run.id, change);
  ctx.stepStates.set(step.key, { record, outputs: masked });
  Object.assign(ctx.evidence, evidence);
}
