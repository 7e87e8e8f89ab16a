/*
 * Replays recorded measurements through a template: the same executor, conditions and limits as a
 * live run, on virtual time that jumps from one measurement to the next, so a 30-minute analysis
 * replays in milliseconds and the same recording always gives the same verdict.
 */
import { argumentRefs, CONTEXT_ARGUMENTS, stringsIn } from '../arguments.ts';
import { AnalysisExecutor, type RunExplanation } from '../executor.ts';
import type { AnalysisPhase } from '../provider.ts';
import { resolveMetrics, type RunOverrides } from '../resolve-template.ts';
import { MemoryRunStore } from '../run-store.ts';
import { VirtualTime } from '../scheduler.ts';
import { loadAnalysisTemplates } from '../template.ts';
import { SeriesProvider } from './series-provider.ts';
import type { RecordedSeries } from './series.ts';

/** What to replay: a template of the `analysis:` section against recorded series. */
export interface ReplayInput {
  /** The raw `analysis:` section of runway.yaml. */
  readonly templates: Readonly<Record<string, unknown>>;
  readonly template: string;
  readonly args?: Readonly<Record<string, string>>;
  readonly series: RecordedSeries;
  readonly failureLimit?: number;
  readonly intervalMs?: number;
  /**
   * Another judge for every judged metric of the template, as `judge:` is written in runway.yaml
   * (`{ sequential-errors: { alpha: 0.001 } }`): re-judges a recording with different settings.
   */
  readonly judge?: unknown;
}

/** One judged measurement of the replay. */
export interface TimelineEntry {
  readonly at: string;
  readonly metric: string;
  readonly phase: AnalysisPhase;
  readonly value?: unknown;
  readonly message?: string;
}

/** The verdict a replay reached, when, and the measurements that led to it. */
export interface ReplayResult {
  readonly template: string;
  readonly phase: Exclude<AnalysisPhase, 'running'>;
  readonly message: string;
  /** The recording's first and last points (of the template's metrics). */
  readonly from: string;
  readonly to: string;
  /** When the run decided, or the end of the recording when it ran out first. */
  readonly decidedAt: string;
  readonly timeline: readonly TimelineEntry[];
  readonly explanation: RunExplanation;
}

/** A replay that cannot start: unknown template, no series for a metric. */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

const RUN_ID = 'replay';
const MAX_TIMERS = 1_000_000;

/**
 * Replays `series` through one template and returns the verdict with its timeline. Context
 * arguments not given (`service`, `canary.version`…) keep their `{{name}}` text, since no query runs.
 * @example await replay({ templates: pipeline.analysis, template: 'slo-burn-check', series }) // { phase: 'failed', decidedAt: '2026-03-02T10:03:00.000Z', ... }
 */
export async function replay(given: ReplayInput): Promise<ReplayResult> {
  const input = given.judge === undefined ? given : { ...given, templates: withJudge(given) };
  const templates = loadAnalysisTemplates(input.templates);
  const template = templates[input.template];
  if (!template) {
    throw new ReplayError(
      `unknown template "${input.template}" — expected one of: ${Object.keys(templates).join(', ') || 'none (runway.yaml has no analysis: section)'}`,
    );
  }
  const used = new Set(stringsIn(template.metrics, []).flatMap(({ text }) => argumentRefs(text)));
  const placeholders = Object.fromEntries(
    CONTEXT_ARGUMENTS.filter((name) => used.has(name)).map((name) => [name, `{{${name}}}`]),
  );
  const args = { ...placeholders, ...input.args };
  const overrides: RunOverrides = {
    ...(input.failureLimit !== undefined && { failureLimit: input.failureLimit }),
    ...(input.intervalMs !== undefined && { intervalMs: input.intervalMs }),
  };
  const metrics = resolveMetrics([template], args, overrides);
  const missing = metrics.map((m) => m.name).filter((name) => !input.series[name]);
  if (missing.length > 0) {
    throw new ReplayError(
      `no recorded series for ${missing.join(', ')} of template "${input.template}" (recorded: ${Object.keys(input.series).join(', ')})`,
    );
  }
  const points = metrics.flatMap((m) => input.series[m.name] ?? []);
  const from = Math.min(...points.map((p) => p.at));
  const to = Math.max(...points.map((p) => p.at));

  // a judged metric reads the recorded scrapes at their own instants: one more look after the last
  const horizon = to + Math.max(0, ...metrics.filter((m) => m.judge).map((m) => m.intervalMs ?? 0));
  const vt = new VirtualTime(new Date(from));
  const timeline: TimelineEntry[] = [];
  const seen = new Set<string>();
  const executor: AnalysisExecutor = new AnalysisExecutor({
    templates: input.templates,
    store: new MemoryRunStore(),
    clock: vt,
    scheduler: vt,
    providerDeps: {},
    providers: (kind) => new SeriesProvider(input.series, kind),
    onChange: () => collect(executor.explain(RUN_ID), seen, timeline),
  });
  try {
    executor.start({ runId: RUN_ID, templates: [input.template], args, ...overrides });
    await executor.settled();
    for (let i = 0; executor.phase(RUN_ID) === 'running'; i++) {
      const next = vt.nextAt();
      if (!next || next.getTime() > horizon) break;
      if (i >= MAX_TIMERS) throw new ReplayError(`the replay took more than ${MAX_TIMERS} steps`);
      vt.runNext();
      await executor.settled();
    }
    return await verdict(executor, input.template, from, to, timeline);
  } finally {
    executor.close();
  }
}

async function verdict(
  executor: AnalysisExecutor,
  template: string,
  from: number,
  to: number,
  timeline: readonly TimelineEntry[],
): Promise<ReplayResult> {
  const span = { template, from: new Date(from).toISOString(), to: new Date(to).toISOString(), timeline };
  const before = executor.explain(RUN_ID) as RunExplanation;
  if (before.phase !== 'running') {
    return {
      ...span,
      phase: before.phase,
      message: before.message ?? '',
      decidedAt: before.completedAt ?? span.to,
      explanation: before,
    };
  }
  const short = before.metrics.find((m) => {
    const target = m.limits.count ?? (m.limits.intervalMs === undefined ? 1 : undefined);
    return !m.dryRun && m.phase === 'running' && target !== undefined;
  });
  if (short) {
    const target = short.limits.count ?? 1;
    const message = `the recording ends at ${span.to} before ${short.name} took its count (${short.counts.measured} of ${target}): not enough evidence`;
    return { ...span, phase: 'inconclusive', message, decidedAt: span.to, explanation: before };
  }
  executor.stop(RUN_ID);
  await executor.settled();
  const after = executor.explain(RUN_ID) as RunExplanation;
  const phase = after.phase === 'running' ? 'inconclusive' : after.phase;
  const message = `${after.message ?? phase}; the recording ends at ${span.to}, where the run was stopped`;
  return { ...span, phase, message, decidedAt: span.to, explanation: after };
}

function collect(
  explanation: RunExplanation | undefined,
  seen: Set<string>,
  timeline: TimelineEntry[],
): void {
  for (const metric of explanation?.metrics ?? []) {
    for (const m of metric.measurements) {
      const key = `${metric.name}\u0000${m.startedAt}`;
      if (m.phase === 'running' || seen.has(key)) continue;
      seen.add(key);
      timeline.push({
        at: m.finishedAt,
        metric: metric.name,
        phase: m.phase,
        ...(m.value !== undefined && { value: m.value }),
        ...(m.message !== undefined && { message: m.message }),
      });
    }
  }
}

/** The raw templates with `input.judge` in place of the judge of each judged metric of the template. */
function withJudge(input: ReplayInput): Readonly<Record<string, unknown>> {
  const raw = input.templates[input.template] as { metrics?: unknown } | undefined;
  const metrics = Array.isArray(raw?.metrics) ? (raw.metrics as unknown[]) : [];
  const judged = (m: unknown) => m !== null && typeof m === 'object' && 'judge' in m;
  if (!metrics.some(judged)) {
    throw new ReplayError(
      `template "${input.template}" has no metric with a judge: --judge re-judges metrics that compare the canary with stable`,
    );
  }
  const replaced = metrics.map((m) => (judged(m) ? { ...(m as object), judge: input.judge } : m));
  return { ...input.templates, [input.template]: { ...raw, metrics: replaced } };
}
