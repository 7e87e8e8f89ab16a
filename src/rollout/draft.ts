/*
 * The working copy one `reconcile` call edits: a clone of the state, the intents decided so far,
 * and the times to look again. Nothing here performs I/O.
 */
import { formatDuration } from '../engine/duration.ts';
import type { Action, NotifyEvent } from './actions.ts';
import type { Observations } from './observations.ts';
import { planOf } from './plan.ts';
import type { PlanStep } from './plan.ts';
import { percent } from './strategy.ts';
import type { AnalysisRef } from './strategy.ts';
import { isTerminal } from './state.ts';
import type { AnalysisKind, HistoryEvent, PauseReason, Phase, RolloutState } from './state.ts';

/** A command that was not applied, and why. */
export interface CommandError {
  command: string;
  message: string;
}

/** The state being reconciled and what the call has decided so far. */
export class Draft {
  readonly s: RolloutState;
  readonly obs: Observations;
  readonly plan: PlanStep[];
  /** Decision time: `now`, or the last history time when `now` is earlier (clock skew). */
  readonly clock: number;
  readonly at: string;
  actions: Action[] = [];
  readonly errors: CommandError[] = [];
  /** Times the rollout wants to be looked at again (pause ends, deadlines). */
  readonly wakes: number[] = [];
  /** Whether the rollout is blocked on the new version's instances becoming ready. */
  waitingForReady = false;

  constructor(state: RolloutState, observations: Observations, now: Date) {
    const nowMs = now instanceof Date ? now.getTime() : NaN;
    if (Number.isNaN(nowMs)) throw new TypeError(`now must be a valid Date, got ${String(now)}`);
    const last = state.history.at(-1);
    this.clock = Math.max(nowMs, last ? Date.parse(last.at) : nowMs);
    this.at = new Date(this.clock).toISOString();
    this.s = structuredClone(state);
    this.obs = observations;
    this.plan = planOf(state.strategy);
  }

  /** Appends a history entry at the decision time. */
  record(event: HistoryEvent, detail: string): void {
    this.s.history.push({ at: this.at, event, detail });
  }

  /** Adds an intent. */
  emit(action: Action): void {
    this.actions.push(action);
  }

  /** Adds a notification. */
  notify(event: NotifyEvent, detail: string): void {
    this.emit({ type: 'notify', event, detail });
  }

  /** Sets the desired weight; back-to-back weight changes in one call collapse into one intent. */
  setWeight(perMille: number): void {
    if (perMille === this.s.weight) return;
    this.s.weight = perMille;
    const action: Action = this.weightAction(perMille);
    if (this.actions.at(-1)?.type === 'set-weight') this.actions[this.actions.length - 1] = action;
    else this.emit(action);
    this.record('weight-set', `${percent(perMille)} of traffic to ${this.s.canary.version}`);
  }

  /** The set-weight intent for a weight, between the current stable and new versions. */
  weightAction(perMille: number): Action {
    const { stable, canary } = this.s;
    return {
      type: 'set-weight',
      canaryPerMille: perMille,
      stableVersion: stable.version,
      canaryVersion: canary.version,
    };
  }

  /** Moves to a phase, recording pauses and resumes; `tell` notifies people of a new pause. */
  setPhase(phase: Phase, reason?: PauseReason, tell?: NotifyEvent): void {
    const s = this.s;
    const wasPaused = s.phase === 'paused';
    s.phase = phase;
    if (phase === 'paused' && reason) {
      if (!wasPaused) s.pausedAt = this.at;
      if (s.pauseReason === reason) return;
      s.pauseReason = reason;
      const detail = `${reason} at step ${s.stepIndex + 1}/${this.plan.length}`;
      this.record('paused', detail);
      if (tell) this.notify(tell, detail);
    } else if (wasPaused) {
      delete s.pausedAt;
      delete s.pauseReason;
      if (!isTerminal(phase))
        this.record('resumed', `${phase} at step ${s.stepIndex + 1}/${this.plan.length}`);
    }
  }

  /** Completes the current step; the next one starts now. */
  nextStep(): void {
    const s = this.s;
    s.stepIndex += 1;
    s.stepStartedAt = this.at;
    s.lastProgressAt = this.at;
    delete s.stepRunId;
    if (s.phase === 'paused') this.setPhase('progressing');
  }

  /** Whether every instance of the new version is ready. */
  ready(): boolean {
    return this.s.canaryReadyInstances >= this.s.replicas;
  }

  /** Waits for ready instances when `needed`; true when the rollout may go on. */
  gate(needed: boolean): boolean {
    if (!needed || this.ready()) return true;
    this.setPhase('progressing');
    this.waitingForReady = true;
    if (this.s.strategy.abortOn.progressDeadline) {
      this.wakes.push(Date.parse(this.s.lastProgressAt) + this.s.strategy.progressDeadlineMs);
    }
    return false;
  }

  /** Starts an analysis run with a deterministic id: `<rollout>#<attempt>/<step-N|kind>[.<n>]`. */
  startRun(kind: AnalysisKind, analysis: AnalysisRef, stepIndex?: number): string {
    const s = this.s;
    const base = `${s.id}#${s.attempt}/${kind === 'step' ? `step-${stepIndex}` : kind}`;
    let runId = base;
    for (let n = 2; s.analysisRuns[runId]; n++) runId = `${base}.${n}`;
    s.analysisRuns[runId] = {
      runId,
      kind,
      attempt: s.attempt,
      analysis,
      ...(stepIndex === undefined ? {} : { stepIndex }),
      startedAt: this.at,
      status: 'running',
    };
    this.emit({
      type: 'start-analysis',
      runId,
      kind,
      templates: analysis.templates,
      ...(analysis.failureLimit === undefined ? {} : { failureLimit: analysis.failureLimit }),
      ...(analysis.intervalMs === undefined ? {} : { intervalMs: analysis.intervalMs }),
    });
    this.record('analysis-started', `${runId}: ${analysis.templates.join(', ')}`);
    return runId;
  }

  /** Stops every analysis run still running. */
  stopRunningRuns(): void {
    for (const run of Object.values(this.s.analysisRuns)) {
      if (run.status !== 'running') continue;
      run.status = 'stopped';
      run.finishedAt = this.at;
      this.emit({ type: 'stop-analysis', runId: run.runId });
      this.record('analysis-finished', `${run.runId}: stopped`);
    }
  }

  /** Stops a version after the scale-down delay (at once when the delay is 0); returns when. */
  scheduleStop(version: string): string {
    const delay = this.s.strategy.scaleDownDelayMs;
    if (delay === 0) {
      this.s.scaleDowns.push({ version, at: this.at, done: true });
      this.emit({ type: 'stop-instances', version });
      this.record('instances-stopped', version);
      return 'now';
    }
    const at = new Date(this.clock + delay);
    this.s.scaleDowns.push({ version, at: at.toISOString(), done: false });
    this.emit({ type: 'stop-instances', version, at });
    return `in ${formatDuration(delay)}`;
  }

  /** Issues the scale-downs whose time has come. */
  settleScaleDowns(): void {
    for (const down of this.s.scaleDowns) {
      if (down.done || Date.parse(down.at) > this.clock) continue;
      down.done = true;
      this.emit({ type: 'stop-instances', version: down.version });
      this.record('instances-stopped', down.version);
    }
  }
}
