/*
 * The seed's three canary analysis templates (CompanyOS pipeline, "Canary Analysis Templates"),
 * copied exactly as written there, and small helpers for analysis tests.
 */
import { parse } from 'yaml';
import { step, type AnalysisRun, type StepResult } from './analysis-run.ts';
import type { RawMeasurement } from './provider.ts';
import { loadAnalysisTemplates, type AnalysisTemplate } from './template.ts';

/** The seed's YAML block, verbatim. */
export const SEED_TEMPLATES_YAML = `# Smoke check - Initial health validation
smoke-check:
  metrics:
    - name: health-endpoint
      successCondition: result == 200
      provider:
        web:
          url: http://{{ args.service }}.production:4000/health

# SLO burn check - Error budget consumption
slo-burn-check:
  metrics:
    - name: error-rate
      successCondition: result < 0.02
      provider:
        prometheus:
          query: sum(rate(http_requests_total{service="{{ args.service }}",code=~"5.."}[5m])) / sum(rate(http_requests_total{service="{{ args.service }}"}[5m]))

    - name: latency-p95
      successCondition: result < 0.5
      provider:
        prometheus:
          query: histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{service="{{ args.service }}"}[5m])) by (le))

# Synthetic check - Business logic validation
synthetic-check:
  metrics:
    - name: golden-path
      successCondition: result == "pass"
      provider:
        job:
          spec:
            template:
              spec:
                containers:
                  - name: golden-path
                    image: ghcr.io/brianclong/summit/golden-path-runner:latest
                    env:
                      - name: TARGET_SERVICE
                        value: "{{ args.service }}"
`;

/** The seed's templates, validated. */
export function seedTemplates(): Readonly<Record<string, AnalysisTemplate>> {
  return loadAnalysisTemplates(parse(SEED_TEMPLATES_YAML));
}

/** A one-metric template from runway.yaml-shaped metric fields (provider defaults to prometheus). */
export function oneMetric(fields: Record<string, unknown>): AnalysisTemplate {
  const given = ['success', 'successCondition', 'failure', 'failureCondition'].some((k) => k in fields);
  const metric = {
    name: 'm',
    provider: { prometheus: { query: 'up' } },
    ...(!given && { success: 'result < 0.02' }),
    ...fields,
  };
  const templates = loadAnalysisTemplates({ t: { metrics: [metric] } });
  return templates.t as AnalysisTemplate;
}

/** 2026-03-02 10:00:00 UTC, a Monday. */
export const T0 = new Date('2026-03-02T10:00:00.000Z');
/** One second, in milliseconds. */
export const SEC = 1000;
/** One minute, in milliseconds. */
export const MIN = 60 * SEC;

/** What a provider answers for the `i`-th query of a metric; undefined stops answering. */
export type Feed = (metric: string, i: number) => RawMeasurement | undefined;

/**
 * Runs a run to its verdict: steps at each `nextAt`, answers every due query `latencyMs` later
 * from `feed`, and stops after `maxSteps` or when the feed runs dry. Returns every step.
 * `roundTrip` passes the state through JSON between steps, as a store would.
 */
export function drive(
  run: AnalysisRun,
  feed: Feed,
  opts: { latencyMs?: number; maxSteps?: number; roundTrip?: boolean } = {},
): StepResult[] {
  const latency = opts.latencyMs ?? SEC;
  const asked = new Map<string, number>();
  const steps: StepResult[] = [];
  let now = new Date(run.startedAt);
  let answers: Record<string, RawMeasurement> = {};
  for (let i = 0; i < (opts.maxSteps ?? 200); i++) {
    const out = step(run, answers, now);
    steps.push(out);
    run = opts.roundTrip ? (JSON.parse(JSON.stringify(out.next)) as AnalysisRun) : out.next;
    answers = {};
    for (const q of out.due) {
      const n = asked.get(q.metric) ?? 0;
      asked.set(q.metric, n + 1);
      const raw = feed(q.metric, n);
      if (raw === undefined) return steps;
      answers[q.metric] = raw;
    }
    if (out.due.length > 0) now = new Date(now.getTime() + latency);
    else if (out.nextAt) now = out.nextAt;
    else return steps;
  }
  return steps;
}

/** A feed that answers a metric's queries from a list of values (`{ error }` entries are errors). */
export function values(...list: (unknown | { error: string })[]): Feed {
  return (_metric, i) => {
    if (i >= list.length) return undefined;
    const v = list[i];
    return v !== null && typeof v === 'object' && 'error' in v ? (v as { error: string }) : { value: v };
  };
}
