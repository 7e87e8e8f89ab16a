/*
 * An analysis run: the metrics of one or more templates measured together until a verdict.
 * `step` is pure: the caller persists `next`, then asks providers for `due` and calls `step` again
 * with their answers, or at `nextAt`. The state is plain JSON, so a run replays from its inputs.
 */
import {
  endMetric,
  finishMeasurement,
  inFlight,
  nextMeasurementAt,
  newMetricResult,
  queryTimeoutMs,
  RESULT_GRACE_MS,
  resultDeadline,
  startMeasurement,
  tally,
  effectiveCount,
  type MetricResult,
} from './metric-run.ts';
import { isCompleted, worstPhase } from './phase.ts';
import type { AnalysisPhase, MetricQuery, RawMeasurement } from './provider.ts';
import { resolveMetrics, type ResolvedMetric, type RunOverrides } from './resolve-template.ts';
import type { AnalysisTemplate } from './template.ts';

/** One metric of a run: what it measures and what it measured. */
export interface MetricRun {
  readonly spec: ResolvedMetric;
  readonly result: MetricResult;
}

/** The persisted state of an analysis run (plain JSON; times are ISO-8601 text). */
export interface AnalysisRun {
  readonly startedAt: string;
  readonly phase: AnalysisPhase;
  readonly completedAt?: string;
  /** Why the run has its verdict, once it has one. */
  readonly message?: string;
  /** Arguments the run was resolved with; providers receive them too. */
  readonly args: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricRun[];
}

/** What a step decided: the next state, queries to run now, when to look again, and why. */
export interface StepResult {
  readonly next: AnalysisRun;
  readonly due: readonly MetricQuery[];
  /** When the run next needs a step without new results; undefined once it has a verdict. */
  readonly nextAt: Date | undefined;
  readonly phase: AnalysisPhase;
  readonly explanation: readonly string[];
}

/** Everything a run starts from. */
export interface RunInput {
  readonly templates: readonly AnalysisTemplate[];
  readonly args?: Readonly<Record<string, string>>;
  readonly startedAt: Date;
  readonly overrides?: RunOverrides;
}

/**
 * Starts a run of one or more templates; throws ResolveError for a missing argument or a metric
 * name two templates share. Call `step` at `startedAt` for the first queries.
 */
export function createRun(input: RunInput): AnalysisRun {
  const args = { ...input.args };
  const specs = resolveMetrics(input.templates, args, input.overrides);
  return {
    startedAt: input.startedAt.toISOString(),
    phase: 'running',
    args,
    metrics: specs.map((spec) => ({ spec, result: newMetricResult(spec) })),
  };
}

/**
 * Advances a run to `now`: judges the providers' answers (`rawResults` by metric name), turns
 * overdue answers into errors, assesses every metric, and starts the measurements that are due.
 * @example step(run, { 'error-rate': { value: [0.031] } }, now).phase // 'failed' with failureLimit 0
 */
export function step(
  run: AnalysisRun,
  rawResults: Readonly<Record<string, RawMeasurement>>,
  now: Date,
): StepResult {
  const ignored = Object.keys(rawResults)
    .filter((name) => !run.metrics.some((m) => m.spec.name === name && inFlight(m.result)))
    .map((name) => `${name}: result ignored, no measurement of it is in flight`);
  if (isCompleted(run.phase)) return finished(run, ignored);

  // judge answers, then answers that never came
  let metrics = run.metrics.map(({ spec, result }) => {
    const raw = rawResults[spec.name];
    let next = raw === undefined ? result : finishMeasurement(spec, result, raw, now);
    const deadline = resultDeadline(spec, next);
    if (deadline !== undefined && now.getTime() >= deadline) {
      const error = `no result within ${(queryTimeoutMs(spec.query) + RESULT_GRACE_MS) / 1000}s of asking`;
      next = finishMeasurement(spec, next, { error }, now);
    }
    return { spec, result: next };
  });

  // decide the run
  const phase = runPhase(metrics);
  if (isCompleted(phase)) {
    const why = `run ended ${phase} before this metric finished`;
    metrics = metrics.map((m) => ({ spec: m.spec, result: endMetric(m.result, why) }));
    const next = {
      ...run,
      phase,
      completedAt: now.toISOString(),
      message: verdictMessage(metrics, phase),
      metrics,
    };
    return finished(next, ignored);
  }

  // start what is due
  const startedAt = Date.parse(run.startedAt);
  const due: MetricQuery[] = [];
  metrics = metrics.map(({ spec, result }) => {
    const at = nextMeasurementAt(spec, result, startedAt);
    if (at === undefined || at > now.getTime()) return { spec, result };
    due.push(spec.query);
    return { spec, result: startMeasurement(spec, result, now) };
  });
  const next = { ...run, metrics };
  const nextAt = earliest(metrics, startedAt);
  return {
    next,
    due,
    nextAt: nextAt === undefined ? undefined : new Date(nextAt),
    phase,
    explanation: [
      ...ignored,
      ...metrics.map((m) => explainMetric(m, startedAt)),
      explainRunning(metrics, nextAt),
    ],
  };
}

/**
 * Ends a run that is no longer needed (a background analysis when the rollout completes): metrics
 * still running become successful, the verdict is the worst finished non-dry-run metric.
 */
export function stopRun(run: AnalysisRun, now: Date, reason = 'stopped'): StepResult {
  if (isCompleted(run.phase)) return finished(run, []);
  const metrics = run.metrics.map((m) => ({ spec: m.spec, result: endMetric(m.result, `run ${reason}`) }));
  const phase = runPhase(metrics);
  return finished(
    { ...run, phase, completedAt: now.toISOString(), message: verdictMessage(metrics, phase), metrics },
    [],
  );
}

/**
 * A run's phase: the worst of its metrics, where a dry-run metric counts only while it runs (it
 * keeps the run going but never decides the verdict).
 */
export function runPhase(metrics: readonly MetricRun[]): AnalysisPhase {
  return worstPhase(
    metrics.map(({ result }) => (result.dryRun && result.phase !== 'running' ? 'successful' : result.phase)),
  );
}

function finished(run: AnalysisRun, ignored: readonly string[]): StepResult {
  const lines = run.metrics.map((m) => explainMetric(m, Date.parse(run.startedAt)));
  return {
    next: run,
    due: [],
    nextAt: undefined,
    phase: run.phase,
    explanation: [...ignored, ...lines, `run ${run.phase}: ${run.message ?? ''}`],
  };
}

function verdictMessage(metrics: readonly MetricRun[], phase: AnalysisPhase): string {
  const counted = metrics.filter((m) => !m.result.dryRun);
  if (phase === 'successful') {
    return counted.length === 0 ? 'only dry-run metrics' : `all ${counted.length} counted metrics successful`;
  }
  const worst = counted.find((m) => m.result.phase === phase);
  return worst ? `${worst.spec.name} ${phase}: ${worst.result.message ?? ''}` : phase;
}

function earliest(metrics: readonly MetricRun[], startedAt: number): number | undefined {
  const times = metrics
    .map(({ spec, result }) => nextMeasurementAt(spec, result, startedAt) ?? resultDeadline(spec, result))
    .filter((t) => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}

function explainMetric({ spec, result }: MetricRun, startedAt: number): string {
  const name = result.dryRun ? `${spec.name} (dry run, not counted)` : spec.name;
  if (result.phase !== 'running') {
    return `${name}: ${result.phase === 'successful' ? 'successful, ' : ''}${result.message ?? ''}`;
  }
  const target = effectiveCount(spec);
  const taken = result.count + result.error;
  const progress =
    target === undefined
      ? `${result.count} taken, no count so it runs until the run stops`
      : `${result.count} of ${target} taken`;
  const detail = taken > 0 ? ` (${tally(result)})` : '';
  const pending = inFlight(result);
  if (pending) return `${name}: measuring since ${pending.startedAt}; ${progress}${detail}`;
  const at = nextMeasurementAt(spec, result, startedAt) ?? startedAt;
  if (taken === 0 && spec.initialDelayMs > 0) {
    return `${name}: waiting for initialDelay ${spec.initialDelayMs / 1000}s until ${new Date(at).toISOString()}`;
  }
  return `${name}: ${progress}${detail}; next measurement at ${new Date(at).toISOString()}`;
}

function explainRunning(metrics: readonly MetricRun[], nextAt: number | undefined): string {
  const waiting = metrics.filter((m) => m.result.phase === 'running').map((m) => m.spec.name);
  const when = nextAt === undefined ? '' : `; next look at ${new Date(nextAt).toISOString()}`;
  return `run running: waiting for ${waiting.join(', ')}${when}`;
}
