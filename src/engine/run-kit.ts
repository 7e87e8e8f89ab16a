import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EvidenceValue } from '../actions/action.ts';
import type { Pipeline, Stage, Step } from '../config/pipeline.ts';
import type { Change, NodeStatus, RunOwner, RunRecord, StageRecord, StepRecord } from '../store/store.ts';
import { expressionContext } from './environment.ts';
import type { EngineDeps } from './engine-deps.ts';
import type { ExpressionContext } from './expressions.ts';

/** Statuses after which a stage or step never runs again. */
export const TERMINAL: ReadonlySet<NodeStatus> = new Set([
  'succeeded',
  'warning',
  'failed',
  'skipped',
  'cancelled',
]);

/** A step's record and the outputs it produced. */
export interface StepState {
  record: StepRecord;
  outputs: Record<string, string>;
}

/** Everything one execution of a run shares: its record, live state, and the engine's tools. */
export interface RunCtx {
  kit: RunKit;
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
  /** Every stage a stage depends on, directly or through others. */
  ancestors: (stage: string) => Set<string>;
}

/** The engine's tools for stage and step runners: durable changes, time, files, expressions. */
export class RunKit {
  readonly deps: EngineDeps;
  /** The process executing runs; every change is fenced on it still holding the run. */
  readonly owner: RunOwner;

  constructor(deps: EngineDeps, owner: RunOwner) {
    this.deps = deps;
    this.owner = owner;
  }

  /** Changes held for each run's next commit (see `hold`). */
  readonly #held = new Map<number, Change[]>();

  /**
   * Persists a change with its event, then tells the live sinks: durable before it counts. Changes
   * held for the run are committed first, in the same transaction (a group commit).
   * Throws `RunTakenOverError` without writing when another process has taken the run over.
   */
  async apply(runId: number, change: Change): Promise<void> {
    const failed = this.#failedSoon.get(runId);
    if (failed) {
      this.#failedSoon.delete(runId);
      throw failed.error;
    }
    const held = this.#held.get(runId);
    this.#held.delete(runId);
    await this.#commit(runId, held ? [...held, change] : [change]);
  }

  /**
   * Keeps a change to commit with the run's next `apply`, saving a transaction. This holds because
   * the runner acts on nothing (starts no process or action, records no decision) without an
   * `apply` first, and every `apply` of the run commits what is held before its own change. A
   * held change lost in a crash is as if it never happened: a stage whose start was lost is
   * entered again, a step whose finish was lost runs again (as any step in flight does).
   */
  hold(runId: number, change: Change): void {
    const held = this.#held.get(runId);
    if (held) held.push(change);
    else this.#held.set(runId, [change]);
  }

  /**
   * Commits a change that nobody waits for (a step's process group, recorded once it started) at
   * the end of this turn of the event loop, or earlier with the run's next `apply` (a step that ends
   * at once is recorded with its start and end in one transaction). A failed commit is reported by
   * the run's next `apply`, which throws its error and writes nothing.
   */
  applySoon(runId: number, change: Change): void {
    this.hold(runId, change);
    setImmediate(() => {
      const held = this.#held.get(runId);
      if (!held) return;
      this.#held.delete(runId);
      this.#commit(runId, held).catch((error: unknown) => {
        if (!this.#failedSoon.has(runId)) this.#failedSoon.set(runId, { error });
      });
    });
  }

  /** The error of a run's failed `applySoon` commit, for its next `apply` to throw. */
  readonly #failedSoon = new Map<number, { error: unknown }>();

  /** Each run's latest commit, settled or not. */
  readonly #lastCommit = new Map<number, Promise<void>>();

  /**
   * Commits in one transaction. A run's commits reach the store one after another, in the order
   * they were made, so a later record never lands under an earlier one (PostgreSQL runs them on a
   * pool; SQLite's are synchronous anyway).
   */
  async #commit(runId: number, changes: Change[]): Promise<void> {
    const at = this.now();
    const write = () => this.deps.store.applyAll(runId, changes, at, this.owner);
    const earlier = this.#lastCommit.get(runId);
    const commit = earlier ? earlier.then(write) : write();
    const settled = commit.then(
      () => undefined,
      () => undefined,
    );
    this.#lastCommit.set(runId, settled);
    let events;
    try {
      events = await commit;
    } finally {
      if (this.#lastCommit.get(runId) === settled) this.#lastCommit.delete(runId);
    }
    for (const event of events) {
      this.deps.events.emit({ type: event.type, runId, at, seq: event.seq, data: event.data });
    }
  }

  now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** The run's directory for a stage (`''`: the run's own), created once. */
  dir(ctx: RunCtx, stage: string): string {
    const dir = join(ctx.runDir, stage);
    if (!ctx.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      ctx.dirs.add(dir);
    }
    return dir;
  }

  stepRecord(
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

  exprCtx(ctx: RunCtx, stage: Stage): ExpressionContext {
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
}

/**
 * Every stage a stage depends on, directly or through others, found when asked: only a stage with an
 * `if:` asks, and computing them all up front would be quadratic in a long chain.
 */
export function ancestryOf(pipeline: Pipeline): (stage: string) => Set<string> {
  const needs = new Map(pipeline.stages.map((s) => [s.name, s.needs]));
  return (stage) => {
    const out = new Set<string>();
    const todo = [...(needs.get(stage) ?? [])];
    for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
      if (out.has(name)) continue;
      out.add(name);
      todo.push(...(needs.get(name) ?? []));
    }
    return out;
  };
}
