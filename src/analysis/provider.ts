/** Providers a metric can name; `provider: { <one of these>: {...} }` in runway.yaml. */
export const PROVIDER_KINDS = ['prometheus', 'web', 'job', 'builtin'] as const;

/** The name of a provider. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** Metrics the built-in provider reads from the local router. */
export const BUILTIN_METRICS = ['error-rate', 'latency-p95', 'latency-p99', 'request-rate'] as const;

/** A metric the built-in provider knows. */
export type BuiltinMetric = (typeof BUILTIN_METRICS)[number];

/** A PromQL instant query; value: a number (scalar or one-sample vector) or number[]; conditions read one sample either way; NaN stays NaN. */
export interface PrometheusQuery {
  readonly kind: 'prometheus';
  readonly query: string;
  readonly address?: string;
  /**
   * A judged metric: cumulative counters asked once per version, `{{version}}` replaced by the
   * canary's and the stable's version; value: both versions' counters (judge-metric.ts).
   */
  readonly counters?: PrometheusCounterQueries;
}

/** PromQL for one version's cumulative counters; each holds `{{version}}`. */
export interface PrometheusCounterQueries {
  /** Requests answered, e.g. `sum(http_requests_total{service="x",version="{{version}}"})`. */
  readonly requests: string;
  /** Failed (5xx) requests among them. */
  readonly errors: string;
  /** Cumulative latency buckets by `le`, e.g. `sum by (le) (…_bucket{version="{{version}}"})`. */
  readonly buckets?: string;
}

/** An HTTP request; value: the JSON value at `jsonPath` when given, else the HTTP status code. */
export interface WebQuery {
  readonly kind: 'web';
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly jsonPath?: string;
  readonly timeoutMs: number;
}

/** A job run to completion; value: its last non-empty stdout line (e.g. `pass`), or the Kubernetes Job's verdict. */
export interface JobQuery {
  readonly kind: 'job';
  /** A shell command for the local executor. */
  readonly run?: string;
  /** A Kubernetes Job spec (as Argo's `job.spec`), arguments already substituted. */
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly timeoutMs: number;
}

/**
 * A metric from Runway's own router; value: a number (ratio, seconds, or requests per second), or
 * for `counters` (a judged metric) both versions' cumulative counters and latency buckets.
 */
export interface BuiltinQuery {
  readonly kind: 'builtin';
  readonly metric: BuiltinMetric | 'counters';
  readonly version: 'canary' | 'stable';
  readonly windowMs: number;
}

/** What one provider is asked, arguments already substituted. */
export type ProviderQuery = PrometheusQuery | WebQuery | JobQuery | BuiltinQuery;

/** One measurement request: which metric it is for and what to ask the provider. */
export interface MetricQuery {
  readonly metric: string;
  readonly provider: ProviderQuery;
}

/** Everything a provider may use besides the query. */
export interface MeasureContext {
  readonly now: Date;
  readonly signal: AbortSignal;
  readonly args: Readonly<Record<string, string>>;
}

/**
 * What a provider hands back: the raw value, or why it could not get one. The shared evaluator
 * (conditions.ts) turns a value into successful/failed/inconclusive; an error is never thrown.
 */
export type RawMeasurement = { readonly value: unknown } | { readonly error: string };

/** A metric backend: measures one query; an error is a RawMeasurement, never an exception. */
export interface Provider {
  /** The provider kind it serves, e.g. `prometheus`. */
  readonly name: string;
  measure(query: MetricQuery, ctx: MeasureContext): Promise<RawMeasurement>;
  /** Whether the backend answers at all (for `runway doctor` and status pages). */
  online?(): Promise<boolean>;
}

/** The phase of one measurement, a metric, or a whole analysis run. */
export type AnalysisPhase = 'successful' | 'failed' | 'inconclusive' | 'error' | 'running';

/** One measurement as stored in a metric's history; `running` while its query is in flight. */
export interface Measurement {
  readonly phase: AnalysisPhase;
  readonly value?: unknown;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly message?: string;
}
