import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Action, EvidenceValue } from '../actions/action.ts';
import type { Pipeline, Stage, Step } from '../config/pipeline.ts';
import type { Executor, RunningProcess } from '../executors/executor.ts';
import { groupAlive, processAlive, signalGroup } from '../executors/local/process-group.ts';
import type {
  Change,
  NodeStatus,
  RunOwner,
  RunRecord,
  RunStatus,
  StageRecord,
  StepRecord,
  Store,
} from '../store/store.ts';
import type { Clock } from './clock.ts';
import { buildStepEnv, expressionContext, renderEnv } from './environment.ts';
import type { EventFunnel } from './events.ts';
import {
  evaluateCondition,
  rewriteScript,
  usesStatusFunction,
  type ExpressionContext,
  type StatusSoFar,
} from './expressions.ts';
import { maskText, secretPatterns } from './masker.ts';
import { parseKeyValues, typeEvidence } from './outputs.ts';
import { waitUntilReady } from './readiness.ts';
import type { RunContext } from './run-context.ts';
import { runDag } from './scheduler.ts';
import { resolveSecrets } from './secrets.ts';

export interface EngineDeps {
  store: Store;
  executor: Executor;
  actions: ReadonlyMap<string, Action>;
  clock: Clock;
  events: EventFunnel;
  /** Where step logs and output files go: `<dataDir>/runs/<id>/…`. */
  dataDir: string;
  hostEnv: NodeJS.ProcessEnv;
}

/** A run that may not be resumed (still owned by a live process, or already finished). */
export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResumeError';
  }
}

const TERMINAL: ReadonlySet<NodeStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
const HEARTBEAT_MS = 1000;
const STALE_AFTER_MS = 15_000;
const SERVICE_GRACE_MS = 5000;

interface StepState {
  record: StepRecord;
  outputs: Record<string, string>;
}

/** Runs pipelines: every state change is written to the store before it counts. */
export class Engine {
  readonly #d: EngineDeps;
  readonly #owner: RunOwner = { pid: process.pid, host: hostname() };

  constructor(deps: EngineDeps) {
    this.#d = deps;
  }

  /** Starts a new run and executes it to the end; returns the final record. */
  async start(pipeline: Pipeline, context: RunContext, signal?: AbortSignal): Promise<RunRecord> {
    const secrets = resolveSecrets(pipeline, this.#d.hostEnv);
    const run = await this.#d.store.createRun({ pipeline, context, owner: this.#owner, at: this.#now() });
    return this.#execute(run, secrets, new Map(), new Map(), signal, 'run.started');
  }

  /**
   * Continues a run whose process died: finished steps are kept, a step that was in flight is
   * stopped if its processes survived and run again.
   */
  async resume(runId: number, signal?: AbortSignal): Promise<RunRecord> {
    const { store } = this.#d;
    const run = await store.getRun(runId);
    if (!run) throw new ResumeError(`run ${runId} does not exist`);
    if (run.status !== 'running') throw new ResumeError(`run ${runId} already ended: ${run.status}`);
    const now = this.#d.clock.now().getTime();
    const ownerDead = run.owner && run.owner.host === this.#owner.host && !processAlive(run.owner.pid);
    const staleBefore = ownerDead
      ? new Date(now + 1).toISOString()
      : new Date(now - STALE_AFTER_MS).toISOString();
    const secrets = resolveSecrets(run.pipeline, this.#d.hostEnv);
    if (!(await store.claimRun(runId, this.#owner, this.#now(), staleBefore))) {
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

    // heartbeat, and cancellation requested by another process
    const beat = setInterval(() => {
      void store.heartbeat(run.id, this.#owner, this.#now()).catch(() => undefined);
      void store.getRun(run.id).then(
        (r) => {
          if (r?.cancelRequestedAt) cancel();
        },
        () => undefined,
      );
    }, HEARTBEAT_MS);
    beat.unref();

    const ctx: RunCtx = {
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
      ancestors: ancestorsOf(pipeline),
    };
    await this.#apply(run.id, {
      event: { type: startEvent, data: { pipeline: pipeline.name, sha: run.context.sha } },
    });
    try {
      await runDag(pipeline.stages, pipeline.concurrency, (name) => {
        const stage = pipeline.stages.find((s) => s.name === name) as Stage;
        return this.#runStage(ctx, stage).catch((err: unknown) =>
          this.#finishStage(
            ctx,
            stage,
            'failed',
            ctx.stageRecords.get(name)?.startedAt,
            `runway: ${String((err as Error)?.message ?? err)}`,
          ),
        );
      });
    } finally {
      clearInterval(beat);
      outerSignal?.removeEventListener('abort', cancel);
    }
    const finals = [...ctx.stageRecords.values()].map((s) => s.status);
    const status: RunStatus = controller.signal.aborted
      ? 'cancelled'
      : finals.includes('failed')
        ? 'failed'
        : 'succeeded';
    const failedStages = [...ctx.stageRecords.values()]
      .filter((s) => s.status === 'failed')
      .map((s) => s.name);
    const reason =
      status === 'cancelled'
        ? 'cancelled'
        : status === 'failed'
          ? `failed stages: ${failedStages.join(', ')}`
          : undefined;
    await this.#apply(run.id, {
      run: { status, finishedAt: this.#now(), ...(reason ? { reason } : {}) },
      event: { type: 'run.finished', data: { status, ...(reason ? { reason } : {}) } },
    });
    return (await store.getRun(run.id)) as RunRecord;
  }

  async #runStage(ctx: RunCtx, stage: Stage): Promise<void> {
    const prior = ctx.stageRecords.get(stage.name);
    if (prior && TERMINAL.has(prior.status)) return;
    const needs = stage.needs.map((n) => ctx.stageRecords.get(n)?.status ?? 'pending');
    const ancestors = [...(ctx.ancestors.get(stage.name) ?? [])].map((n) => ctx.stageRecords.get(n)?.status);
    const cancelled = ctx.signal.aborted;
    const soFar: StatusSoFar = cancelled
      ? 'cancelled'
      : ancestors.some((s) => s === 'failed' || s === 'cancelled')
        ? 'failure'
        : 'success';
    const needsAllSucceeded = needs.every((s) => s === 'succeeded');

    // decide whether the stage runs at all; after a cancel only stages that ask for it (always(), cancelled())
    let skipReason: string | undefined;
    if (cancelled && !(stage.if !== undefined && usesStatusFunction(stage.if))) {
      return this.#finishStage(ctx, stage, 'cancelled', undefined, 'the run was cancelled');
    }
    try {
      if (stage.if !== undefined) {
        if (!usesStatusFunction(stage.if) && !needsAllSucceeded) skipReason = this.#needsReason(ctx, stage);
        else if (!evaluateCondition(stage.if, this.#exprCtx(ctx, stage), soFar)) {
          skipReason = `if: ${stage.if} is false`;
        }
      } else if (!needsAllSucceeded) {
        skipReason = this.#needsReason(ctx, stage);
      }
    } catch (err) {
      return this.#finishStage(ctx, stage, 'failed', undefined, (err as Error).message);
    }
    if (skipReason)
      return this.#finishStage(ctx, stage, cancelled ? 'cancelled' : 'skipped', undefined, skipReason);

    const startedAt = prior?.startedAt ?? this.#now();
    ctx.stageRecords.set(stage.name, { name: stage.name, status: 'running', startedAt });
    await this.#apply(ctx.run.id, {
      stage: { name: stage.name, status: 'running', startedAt },
      event: { type: 'stage.started', data: { stage: stage.name } },
    });

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
      failure = await this.#startServices(ctx, stage, services, stageController.signal);
      if (!failure) failure = await this.#runSteps(ctx, stage, stageController.signal);
    } finally {
      if (stageTimer) clearTimeout(stageTimer);
      ctx.signal.removeEventListener('abort', stageAbort);
      await this.#stopServices(ctx, stage, services);
    }
    if (stageTimedOut) failure = `the stage timed out after ${(stage.timeoutMs ?? 0) / 1000}s`;
    const status: NodeStatus =
      ctx.signal.aborted && !cancelled
        ? 'cancelled'
        : failure && !stage.continueOnError
          ? 'failed'
          : 'succeeded';
    await this.#finishStage(ctx, stage, status, startedAt, failure);
  }

  #needsReason(ctx: RunCtx, stage: Stage): string {
    const bad = stage.needs
      .map((n) => [n, ctx.stageRecords.get(n)?.status] as const)
      .filter(([, s]) => s !== 'succeeded')
      .map(([n, s]) => `${n} ${s}`);
    return `needs not met: ${bad.join(', ')}`;
  }

  async #finishStage(
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
      finishedAt: this.#now(),
      ...(reason ? { reason: maskText(reason, ctx.patterns) } : {}),
    };
    const untouched: StepRecord[] = [];
    for (const step of stage.steps) {
      const existing = ctx.stepStates.get(step.key);
      if (existing && TERMINAL.has(existing.record.status)) continue;
      const stepStatus: NodeStatus = status === 'cancelled' ? 'cancelled' : 'skipped';
      const record = this.#stepRecord(step, stepStatus, existing?.record.attempts ?? 0, rec.reason, {
        finishedAt: rec.finishedAt,
      });
      untouched.push(record);
      ctx.stepStates.set(step.key, { record, outputs: {} });
    }
    ctx.stageRecords.set(stage.name, rec);
    await this.#apply(ctx.run.id, {
      stage: rec,
      ...(untouched.length ? { steps: untouched } : {}),
      event: {
        type: 'stage.finished',
        data: { stage: stage.name, status, ...(rec.reason ? { reason: rec.reason } : {}) },
      },
    });
  }

  async #startServices(
    ctx: RunCtx,
    stage: Stage,
    services: { name: string; proc: RunningProcess }[],
    signal: AbortSignal,
  ): Promise<string | undefined> {
    for (const svc of stage.services) {
      const exprCtx = () => this.#exprCtx(ctx, stage);
      const script = rewriteScript(svc.run);
      const env = buildStepEnv({
        hostEnv: this.#d.hostEnv,
        pipeline: ctx.pipeline,
        run: ctx.run,
        stage: stage.name,
        step: `service:${svc.name}`,
        layers: [
          renderEnv(ctx.pipeline.env, exprCtx),
          renderEnv(stage.env, exprCtx),
          renderEnv(svc.env, exprCtx),
          renderEnv(Object.fromEntries(script.bindings.map((b) => [b.name, `\${{ ${b.expr} }}`])), exprCtx),
        ],
      });
      const cwd = resolve(ctx.pipeline.root, svc.workingDirectory);
      if (!isDirectory(cwd))
        return `service ${svc.name}: working-directory ${svc.workingDirectory} does not exist`;
      const logPath = join(this.#dir(ctx, stage.name), `service-${svc.name}.log`);
      const proc = this.#d.executor.start({
        script: script.script,
        cwd,
        env,
        secrets: ctx.patterns,
        onOutput: (text) => appendFileSync(logPath, text),
      });
      services.push({ name: svc.name, proc });
      await this.#apply(ctx.run.id, {
        event: { type: 'service.started', data: { stage: stage.name, service: svc.name, pgid: proc.pgid } },
      });
      const ready = await waitUntilReady(
        svc.ready,
        { executor: this.#d.executor, cwd, env, secrets: ctx.patterns },
        { clock: this.#d.clock, exited: proc.exited, signal },
      );
      if (!ready.ok) {
        const tail = readTail(logPath, 5);
        return `service ${svc.name}: ${ready.reason}${tail ? `; its last output: ${tail}` : ''}`;
      }
      await this.#apply(ctx.run.id, {
        event: { type: 'service.ready', data: { stage: stage.name, service: svc.name } },
      });
    }
    return undefined;
  }

  async #stopServices(ctx: RunCtx, stage: Stage, services: { name: string; proc: RunningProcess }[]) {
    for (const { name, proc } of services.reverse()) {
      const result = await proc.stop(SERVICE_GRACE_MS);
      await this.#apply(ctx.run.id, {
        event: {
          type: 'service.stopped',
          data: {
            stage: stage.name,
            service: name,
            exitCode: result.exitCode,
            signal: result.signal ?? null,
          },
        },
      });
    }
  }

  /** Runs the steps of a stage in order; returns why the stage failed, if it did. */
  async #runSteps(ctx: RunCtx, stage: Stage, signal: AbortSignal): Promise<string | undefined> {
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
            : evaluateCondition(step.if, this.#exprCtx(ctx, stage), soFar);
        skipReason =
          step.if === undefined
            ? soFar === 'cancelled'
              ? 'cancelled'
              : 'an earlier step failed'
            : `if: ${step.if} is false`;
      } catch (err) {
        if (!step.continueOnError) failure ??= `step ${step.id}: ${(err as Error).message}`;
        const rec = this.#stepRecord(step, 'failed', 0, (err as Error).message, {
          failedButContinued: step.continueOnError,
        });
        await this.#finishStep(ctx, step, rec, {});
        continue;
      }
      if (!run) {
        const status: NodeStatus = soFar === 'cancelled' ? 'cancelled' : 'skipped';
        await this.#finishStep(
          ctx,
          step,
          this.#stepRecord(step, status, prior?.record.attempts ?? 0, skipReason),
          {},
        );
        continue;
      }
      // a step that asked to run after a cancel (always(), cancelled()) is not killed by it
      const stepSignal = soFar === 'cancelled' ? new AbortController().signal : signal;
      const result = await this.#runStep(ctx, stage, step, prior?.record, stepSignal);
      if (result.status === 'failed' && !step.continueOnError)
        failure ??= `step ${step.id} failed: ${result.reason}`;
    }
    return failure;
  }

  async #runStep(
    ctx: RunCtx,
    stage: Stage,
    step: Step,
    prior: StepRecord | undefined,
    signal: AbortSignal,
  ): Promise<{ status: NodeStatus; reason?: string }> {
    const dir = this.#dir(ctx, stage.name);
    const logPath = join(dir, `${step.id}.log`);
    const outputFile = join(dir, `${step.id}.output`);
    const evidenceFile = join(dir, `${step.id}.evidence`);
    const startedAt = prior?.startedAt ?? this.#now();
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
        appendFileSync(
          logPath,
          `\n── attempt ${attempts}${prior?.status === 'running' && attempts === prior.attempts + 1 ? ' (re-run after the previous runner stopped)' : ''} ──\n`,
        );
      }
      if (prior) {
        rmSync(outputFile, { force: true });
        rmSync(evidenceFile, { force: true });
      }
      const running = this.#stepRecord(step, 'running', attempts, undefined, { startedAt, logPath });
      ctx.stepStates.set(step.key, { record: running, outputs: {} });
      await this.#apply(ctx.run.id, {
        step: running,
        event: { type: 'step.started', data: { step: step.key, name: step.name, attempt: attempts } },
      });
      last = await this.#attempt(ctx, stage, step, {
        logPath,
        outputFile,
        evidenceFile,
        signal,
        attempts,
        startedAt,
      });
      if (last.ok || signal.aborted) break;
      failedOnce = true;
      if (attempts < maxAttempts) {
        await this.#apply(ctx.run.id, {
          event: {
            type: 'step.retrying',
            data: { step: step.key, attempt: attempts, reason: last.reason ?? '' },
          },
        });
        if (step.retry.delayMs > 0) await this.#d.clock.sleep(step.retry.delayMs, signal);
      }
    }
    const status: NodeStatus = signal.aborted && !last.ok ? 'cancelled' : last.ok ? 'succeeded' : 'failed';
    const rec = this.#stepRecord(step, status, attempts, last.ok ? undefined : last.reason, {
      startedAt,
      logPath,
      flaky: last.ok && failedOnce,
      failedButContinued: status === 'failed' && step.continueOnError,
      ...(last.exitCode !== undefined ? { exitCode: last.exitCode } : {}),
    });
    await this.#finishStep(ctx, step, rec, last.outputs, last.evidence);
    return { status, ...(rec.reason ? { reason: rec.reason } : {}) };
  }

  async #attempt(
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
    const exprCtx = () => (cached ??= this.#exprCtx(ctx, stage));
    const log = (text: string) => {
      const safe = maskText(text, ctx.patterns);
      appendFileSync(io.logPath, safe);
      this.#d.events.emit({
        type: 'step.output',
        runId: ctx.run.id,
        at: this.#now(),
        data: { step: step.key, text: safe },
      });
    };
    try {
      if (step.uses !== undefined) {
        const action = this.#d.actions.get(step.uses);
        if (!action) throw new Error(`unknown action "${step.uses}"`);
        const inputs = Object.fromEntries(
          Object.entries(step.with).map(([k, v]) => [
            k,
            typeof v === 'string' ? renderEnv({ v }, exprCtx)['v'] : v,
          ]),
        );
        const result = await action.run({
          step,
          inputs,
          expressions: exprCtx(),
          root: ctx.pipeline.root,
          workingDirectory: resolve(ctx.pipeline.root, step.workingDirectory),
          log: (line) => log(`${line}\n`),
          signal: io.signal,
          run: { id: ctx.run.id, pipeline: ctx.pipeline },
          store: this.#d.store,
          clock: this.#d.clock,
        });
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
        hostEnv: this.#d.hostEnv,
        pipeline: ctx.pipeline,
        run: ctx.run,
        stage: stage.name,
        step: step.id,
        layers: envLayers,
        files: { output: io.outputFile, evidence: io.evidenceFile },
      });
      const result = await this.#d.executor.run({
        script,
        cwd,
        env,
        ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
        signal: io.signal,
        secrets: ctx.patterns,
        onStart: (pgid) => {
          const rec = this.#stepRecord(step, 'running', io.attempts, undefined, {
            startedAt: io.startedAt,
            logPath: io.logPath,
            pgid,
          });
          ctx.stepStates.set(step.key, { record: rec, outputs: {} });
          void this.#apply(ctx.run.id, {
            step: rec,
            event: { type: 'step.process', data: { step: step.key, pgid } },
          });
        },
        onOutput: (text) => {
          appendFileSync(io.logPath, text);
          this.#d.events.emit({
            type: 'step.output',
            runId: ctx.run.id,
            at: this.#now(),
            data: { step: step.key, text },
          });
        },
      });
      // the step wrote these files unmasked: remove them before anything can fail, keep only masked copies
      const outputText = readIfExists(io.outputFile);
      const evidenceText = readIfExists(io.evidenceFile);
      rmSync(io.outputFile, { force: true });
      rmSync(io.evidenceFile, { force: true });
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

  async #finishStep(
    ctx: RunCtx,
    step: Step,
    rec: StepRecord,
    outputs: Record<string, string>,
    evidence: Record<string, EvidenceValue> = {},
  ): Promise<void> {
    const at = this.#now();
    const bytes = rec.logPath ? safeSize(rec.logPath) : undefined;
    const record: StepRecord = {
      ...rec,
      finishedAt: at,
      ...(bytes !== undefined ? { logBytes: bytes } : {}),
    };
    delete record.pgid;
    const masked = Object.fromEntries(
      Object.entries(outputs).map(([k, v]) => [k, maskText(v, ctx.patterns)]),
    );
    const change: Change = {
      step: record,
      ...(Object.keys(masked).length ? { outputs: { stepKey: step.key, values: masked } } : {}),
      ...(Object.keys(evidence).length
        ? {
            evidence: Object.entries(evidence).map(([key, value]) => ({
              key,
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
    await this.#apply(ctx.run.id, change);
    ctx.stepStates.set(step.key, { record, outputs: masked });
    Object.assign(ctx.evidence, evidence);
  }

  /** The run's directory for a stage, created once. */
  #dir(ctx: RunCtx, stage: string): string {
    const dir = join(ctx.runDir, stage);
    if (!ctx.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      ctx.dirs.add(dir);
    }
    return dir;
  }

  #stepRecord(
    step: Step,
    status: NodeStatus,
    attempts: number,
    reason?: string,
    extra: Partial<StepRecord> = {},
  ): StepRecord {
    const stage = step.key.slice(0, step.key.length - step.id.length - 1);
    return {
      key: step.key,
      stage,
      id: step.id,
      name: step.name,
      index: step.index,
      status,
      attempts,
      flaky: false,
      ...(reason ? { reason } : {}),
      ...extra,
    };
  }

  #exprCtx(ctx: RunCtx, stage: Stage) {
    return expressionContext({
      run: ctx.run,
      pipeline: ctx.pipeline,
      stage,
      stageRecords: ctx.stageRecords,
      steps: ctx.stepStates,
      evidence: ctx.evidence,
      secrets: ctx.secrets,
    });
  }

  async #apply(runId: number, change: Change): Promise<void> {
    const at = this.#now();
    const event = await this.#d.store.apply(runId, change, at);
    this.#d.events.emit({ type: event.type, runId, at, seq: event.seq, data: event.data });
  }

  #now(): string {
    return this.#d.clock.now().toISOString();
  }
}

interface RunCtx {
  run: RunRecord;
  pipeline: Pipeline;
  secrets: Record<string, string>;
  patterns: string[];
  signal: AbortSignal;
  stageRecords: Map<string, StageRecord>;
  stepStates: Map<string, StepState>;
  evidence: Record<string, EvidenceValue>;
  runDir: string;
  dirs: Set<string>;
  /** Every stage each stage depends on, directly or through others. */
  ancestors: Map<string, Set<string>>;
}

function ancestorsOf(pipeline: Pipeline): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const stage of pipeline.stages) {
    const set = new Set<string>();
    for (const need of stage.needs) {
      set.add(need);
      for (const a of out.get(need) ?? []) set.add(a);
    }
    out.set(stage.name, set);
  }
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function safeSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

function readTail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** Removes a run's working files (logs are kept in the store's data dir otherwise). */
export function removeRunFiles(dataDir: string, runId: number): void {
  rmSync(join(dataDir, 'runs', String(runId)), { recursive: true, force: true });
}
