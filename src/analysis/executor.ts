/*
 * The analysis executor: drives analysis runs in real time for the rollout controller. Each run has
 * one timer at its next `nextAt`; at each tick it steps the pure run (analysis-run.ts), persists the
 * new state, and only then asks providers for what is due and reports the change. Answers are
 * judged at the next tick, which is persisted before the measurement counts anywhere.
 */
import type { StoredSamples } from './judge-metric.ts';
import { createRun, step, stopRun, type AnalysisRun } from './analysis-run.ts';
import { ResolveError } from './arguments.ts';
import { inFlight } from './metric-run.ts';
import { isCompleted } from './phase.ts';
import type {
  AnalysisPhase,
  Measurement,
  MetricQuery,
  Provider,
  ProviderKind,
  ProviderQuery,
  RawMeasurement,
} from './provider.ts';
import { describeUrl } from './providers/http-fetch.ts';
import { messageOf } from './providers/measurement.ts';
import { createProvider, type ProviderDeps } from './providers/registry.ts';
import { readRunRecord, runRecord, type StartRequest } from './run-record.ts';
import type { AnalysisRunStore, StoredRun } from './run-store.ts';
import { realScheduler, type Scheduler, type TimerHandle } from './scheduler.ts';
import { loadAnalysisTemplates, type AnalysisTemplate } from './template.ts';

export type { StartRequest } from './run-record.ts';
export type { AnalysisRunStore } from './run-store.ts';

/** After a store failure the executor tries again this soon, keeping the answers it has. */
export const STORE_RETRY_MS = 1000;

/** How an executor is built; `scheduler` and `providers` exist for tests and replays. */
export interface ExecutorOptions {
  /** The raw `analysis:` section of runway.yaml; validated here (AnalysisConfigError). */
  readonly templates: Readonly<Record<string, unknown>>;
  readonly store: AnalysisRunStore;
  readonly clock: { now(): Date };
  /** What the registry builds providers from: the Prometheus address, the builtin snapshot source, fetch… */
  readonly providerDeps: ProviderDeps;
  /** Called after every persisted change of a run (a measurement started or judged, a verdict). */
  readonly onChange?: (runId: string) => void;
  /** Timers; default real ones, unref'd. */
  readonly scheduler?: Scheduler;
  /** Builds the provider of a kind; default the registry with `providerDeps`. */
  readonly providers?: (kind: ProviderKind) => Provider;
}

/** One metric of a run, as `runway rollout status` and the dashboard show it. */
export interface MetricExplanation {
  readonly name: string;
  readonly template: string;
  readonly provider: ProviderKind;
  /** What is asked: the PromQL, the URL (without query string), the command, the builtin metric. */
  readonly query: string;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly dryRun: boolean;
  readonly phase: AnalysisPhase;
  readonly message?: string;
  readonly counts: {
    readonly measured: number;
    readonly successful: number;
    readonly failed: number;
    readonly inconclusive: number;
    readonly error: number;
    readonly consecutiveError: number;
  };
  readonly limits: {
    readonly count?: number;
    readonly intervalMs?: number;
    readonly initialDelayMs: number;
    readonly failureLimit: number;
    readonly inconclusiveLimit: number;
    readonly consecutiveErrorLimit: number;
  };
  /** The newest measurements (measurementRetention), oldest first; the last may be in flight. */
  readonly measurements: readonly Measurement[];
  /** A judged metric: every scrape of both versions, what `analysis replay --series` takes back. */
  readonly samples?: StoredSamples;
}

/** Everything about one run: its verdict, why, and every metric's measurements and conditions. */
export interface RunExplanation {
  readonly runId: string;
  readonly phase: AnalysisPhase;
  readonly templates: readonly string[];
  readonly args: Readonly<Record<string, string>>;
  readonly startedAt?: string;
  readonly completedAt?: string;
  /** Why the run has its verdict. */
  readonly message?: string;
  /** When the run looks again, while it runs. */
  readonly nextAt?: string;
  /** One line per metric and one for the run, as `step` explains them. */
  readonly lines: readonly string[];
  readonly metrics: readonly MetricExplanation[];
  /** The last failure to load or save the run, while it lasts. */
  readonly storeError?: string;
}

interface Flight {
  readonly startedAt: string;
  readonly controller: AbortController;
}

interface Entry {
  readonly runId: string;
  request: StartRequest;
  /** Undefined while the stored state is being loaded. */
  run: AnalysisRun | undefined;
  lines: readonly string[];
  nextAt: Date | undefined;
  timer: TimerHandle | undefined;
  readonly flights: Map<string, Flight>;
  answers: Record<string, RawMeasurement>;
  saving: boolean;
  again: boolean;
  stopRequested: boolean;
  storeError: string | undefined;
}

/**
 * Runs analysis runs in real time: measures each metric on its interval with real timers (one
 * per run, unref'd), persists each state before it counts, and resumes persisted runs.
 * @example
 * const executor = new AnalysisExecutor({ templates: pipeline.analysis, store, clock: systemClock, providerDeps });
 * executor.start({ runId: 'checkout-api-7#1/step-2', templates: ['slo-burn-check'], args: { service: 'checkout-api' } });
 * executor.verdicts(); // { 'checkout-api-7#1/step-2': 'successful' } once it has one
 */
export class AnalysisExecutor {
  readonly #templates: Readonly<Record<string, AnalysisTemplate>>;
  readonly #store: AnalysisRunStore;
  readonly #clock: { now(): Date };
  readonly #scheduler: Scheduler;
  readonly #onChange: ((runId: string) => void) | undefined;
  readonly #factory: (kind: ProviderKind) => Provider;
  readonly #providers = new Map<ProviderKind, Provider | { readonly error: string }>();
  readonly #entries = new Map<string, Entry>();
  /** Runs asked to stop before this executor knew them (a restart still loading them). */
  readonly #stopWhenKnown = new Set<string>();
  #loading = 0;
  #idle: (() => void)[] = [];
  #closed = false;

  /** Validates the templates and builds every provider they use; misconfiguration throws here. */
  constructor(opts: ExecutorOptions) {
    this.#templates = loadAnalysisTemplates(opts.templates ?? {});
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#scheduler = opts.scheduler ?? realScheduler;
    this.#onChange = opts.onChange;
    this.#factory = opts.providers ?? ((kind) => createProvider(kind, opts.providerDeps));
    const kinds = new Set(
      Object.values(this.#templates).flatMap((t) => t.metrics.map((m) => m.provider.kind)),
    );
    for (const kind of kinds) this.#providers.set(kind, this.#factory(kind));
  }

  /** Starts a run; a known runId is left alone, one persisted and not finished is resumed. */
  start(req: StartRequest): void {
    if (this.#closed) throw new Error('the analysis executor is closed');
    checkRequest(req);
    if (this.#entries.has(req.runId)) return;
    const entry = this.#newEntry(req);
    this.#load(entry, () => this.#store.load(req.runId));
  }

  /** Ends a run: metrics still running become successful, the verdict is the worst finished one. */
  stop(runId: string): void {
    const entry = this.#entries.get(runId);
    if (!entry) {
      this.#stopWhenKnown.add(runId);
      return;
    }
    if (entry.run && isCompleted(entry.run.phase)) return;
    entry.stopRequested = true;
    this.#tick(entry);
  }

  /** The phase of a run this executor knows (started or resumed here); undefined otherwise. */
  phase(runId: string): AnalysisPhase | undefined {
    const entry = this.#entries.get(runId);
    return entry ? (entry.run?.phase ?? 'running') : undefined;
  }

  /** Verdicts of finished runs by run id (what the rollout's `Observations.analysis` wants). */
  verdicts(): Record<string, AnalysisPhase> {
    const out: Record<string, AnalysisPhase> = {};
    for (const [runId, entry] of this.#entries) {
      if (entry.run && isCompleted(entry.run.phase)) out[runId] = entry.run.phase;
    }
    return out;
  }

  /** Measurements, conditions and verdict per metric of a run, for `runway rollout status` and the dashboard. */
  explain(runId: string): RunExplanation | undefined {
    const entry = this.#entries.get(runId);
    if (!entry) return undefined;
    const run = entry.run;
    return {
      runId,
      phase: run?.phase ?? 'running',
      templates: entry.request.templates,
      args: run?.args ?? entry.request.args,
      ...(run && { startedAt: run.startedAt }),
      ...(run?.completedAt !== undefined && { completedAt: run.completedAt }),
      ...(run?.message !== undefined && { message: run.message }),
      ...(entry.nextAt && run?.phase === 'running' && { nextAt: entry.nextAt.toISOString() }),
      lines: entry.lines,
      metrics: (run?.metrics ?? []).map(({ spec, result }) => ({
        name: spec.name,
        template: spec.template,
        provider: spec.query.provider.kind,
        query: describeQuery(spec.query.provider),
        ...(spec.successCondition !== undefined && { successCondition: spec.successCondition }),
        ...(spec.failureCondition !== undefined && { failureCondition: spec.failureCondition }),
        dryRun: spec.dryRun,
        phase: result.phase,
        ...(result.message !== undefined && { message: result.message }),
        counts: {
          measured: result.count,
          successful: result.successful,
          failed: result.failed,
          inconclusive: result.inconclusive,
          error: result.error,
          consecutiveError: result.consecutiveError,
        },
        limits: {
          ...(spec.count !== undefined && { count: spec.count }),
          ...(spec.intervalMs !== undefined && { intervalMs: spec.intervalMs }),
          initialDelayMs: spec.initialDelayMs,
          failureLimit: spec.failureLimit,
          inconclusiveLimit: spec.inconclusiveLimit,
          consecutiveErrorLimit: spec.consecutiveErrorLimit,
        },
        measurements: result.measurements,
        ...(result.samples && { samples: result.samples }),
      })),
      ...(entry.storeError !== undefined && { storeError: entry.storeError }),
    };
  }

  /** Re-starts every active run from the store (after a control-plane restart); queries lost in flight are asked again. */
  resume(): void {
    if (this.#closed) throw new Error('the analysis executor is closed');
    this.#loading++;
    settle(
      () => this.#store.active(),
      (runs: readonly StoredRun[]) => {
        this.#loading--;
        for (const { runId, state } of runs) {
          if (this.#entries.has(runId) || this.#closed) continue;
          const record = readRunRecord(state);
          const request = 'unreadable' in record ? { runId, templates: [], args: {} } : record.request;
          this.#load(this.#newEntry(request), () => state);
        }
        this.#wakeIfIdle();
      },
      () => {
        this.#loading--;
        if (!this.#closed) this.#scheduler.set(() => !this.#closed && this.resume(), STORE_RETRY_MS);
        this.#wakeIfIdle();
      },
    );
  }

  /** Resolves once no measurement is in flight and nothing is being loaded or saved (tests, replays). */
  settled(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops every timer and cancels every query in flight; persisted runs stay as they are for resume(). */
  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) {
      this.#clearTimer(entry);
      for (const flight of entry.flights.values()) flight.controller.abort();
      entry.flights.clear();
    }
    this.#wakeIfIdle(true);
  }

  #newEntry(request: StartRequest): Entry {
    const entry: Entry = {
      runId: request.runId,
      request,
      run: undefined,
      lines: [],
      nextAt: undefined,
      timer: undefined,
      flights: new Map(),
      answers: {},
      saving: false,
      again: false,
      stopRequested: this.#stopWhenKnown.delete(request.runId),
      storeError: undefined,
    };
    this.#entries.set(request.runId, entry);
    return entry;
  }

  #load(entry: Entry, read: () => unknown): void {
    this.#loading++;
    settle(
      read,
      (stored) => {
        this.#loading--;
        if (!this.#closed) this.#adopt(entry, stored);
        this.#wakeIfIdle();
      },
      (err) => {
        this.#loading--;
        entry.storeError = `cannot load the run: ${messageOf(err)}`;
        if (!this.#closed)
          this.#scheduler.set(() => !this.#closed && this.#load(entry, read), STORE_RETRY_MS);
        this.#wakeIfIdle();
      },
    );
  }

  #adopt(entry: Entry, stored: unknown): void {
    const now = this.#clock.now();
    if (stored === undefined || stored === null) {
      entry.run = this.#create(entry.request, now);
    } else {
      const record = readRunRecord(stored);
      if ('unreadable' in record) {
        entry.run = endedRun(now, entry.request.args, `the stored run is unreadable: ${record.unreadable}`);
      } else {
        entry.request = record.request;
        entry.run = record.run;
        if (isCompleted(record.run.phase)) {
          entry.lines = step(record.run, {}, now).explanation;
          this.#notify(entry.runId);
          return;
        }
      }
    }
    this.#tick(entry);
  }

  /** A new run, or one already ended in `error` when it cannot start (fail closed, with the reason). */
  #create(req: StartRequest, now: Date): AnalysisRun {
    try {
      const templates = req.templates.map((name) => {
        const template = this.#templates[name];
        if (!template) {
          const known = Object.keys(this.#templates).join(', ') || 'none';
          throw new ResolveError(['analysis', name], `unknown template "${name}" (known: ${known})`);
        }
        return template;
      });
      const overrides = {
        ...(req.failureLimit !== undefined && { failureLimit: req.failureLimit }),
        ...(req.intervalMs !== undefined && { intervalMs: req.intervalMs }),
      };
      return createRun({ templates, args: req.args, startedAt: now, overrides });
    } catch (err) {
      return endedRun(now, req.args, `cannot start: ${messageOf(err)}`);
    }
  }

  #tick(entry: Entry): void {
    if (this.#closed || !entry.run) return;
    if (entry.saving) {
      entry.again = true;
      return;
    }
    this.#clearTimer(entry);
    const now = this.#clock.now();
    const answers = { ...entry.answers };
    let out = step(entry.run, answers, now);
    if (entry.stopRequested && !isCompleted(out.phase)) out = stopRun(out.next, now, 'stopped');
    this.#commit(entry, out.next, out.explanation, out.nextAt, answers);
  }

  /** Persists `next`, then makes it the run's state, asks what is due, and reports the change. */
  #commit(
    entry: Entry,
    next: AnalysisRun,
    lines: readonly string[],
    nextAt: Date | undefined,
    consumed: Record<string, RawMeasurement>,
  ): void {
    const apply = () => {
      for (const [metric, raw] of Object.entries(consumed)) {
        if (entry.answers[metric] === raw) delete entry.answers[metric];
      }
      entry.run = next;
      entry.lines = lines;
      entry.nextAt = nextAt;
      entry.storeError = undefined;
      this.#reconcileFlights(entry);
      if (!isCompleted(next.phase) && nextAt)
        this.#schedule(entry, nextAt.getTime() - this.#clock.now().getTime());
      this.#notify(entry.runId);
    };
    const failed = (err: unknown) => {
      entry.storeError = `cannot save the run: ${messageOf(err)}`;
      if (!this.#closed) this.#schedule(entry, STORE_RETRY_MS);
    };
    entry.saving = true;
    settle(
      () => this.#store.save(entry.runId, runRecord(entry.request, next)),
      () => {
        entry.saving = false;
        if (!this.#closed) apply();
        if (entry.again) {
          entry.again = false;
          this.#tick(entry);
        }
        this.#wakeIfIdle();
      },
      (err) => {
        entry.saving = false;
        entry.again = false;
        failed(err);
        this.#wakeIfIdle();
      },
    );
  }

  /** Cancels queries whose measurement is gone (timed out, run ended) and asks every in-flight one nobody is asking. */
  #reconcileFlights(entry: Entry): void {
    const run = entry.run;
    if (!run) return;
    for (const [metric, flight] of entry.flights) {
      const m = run.metrics.find((x) => x.spec.name === metric);
      const pending = m ? inFlight(m.result) : undefined;
      if (!pending || pending.startedAt !== flight.startedAt || isCompleted(run.phase)) {
        flight.controller.abort();
        entry.flights.delete(metric);
      }
    }
    if (isCompleted(run.phase)) return;
    for (const { spec, result } of run.metrics) {
      const pending = inFlight(result);
      if (!pending || entry.flights.has(spec.name) || spec.name in entry.answers) continue;
      this.#ask(entry, spec.query, pending.startedAt, run.args);
    }
  }

  #ask(entry: Entry, query: MetricQuery, startedAt: string, args: Readonly<Record<string, string>>): void {
    const flight: Flight = { startedAt, controller: new AbortController() };
    entry.flights.set(query.metric, flight);
    const provider = this.#provider(query.provider.kind);
    const ctx = { now: this.#clock.now(), signal: flight.controller.signal, args };
    const asked: Promise<RawMeasurement> =
      'error' in provider
        ? Promise.resolve(provider)
        : new Promise<RawMeasurement>((resolve) => resolve(provider.measure(query, ctx)));
    asked
      .catch((err: unknown) => ({
        error: `${query.provider.kind} provider failed unexpectedly: ${messageOf(err)}`,
      }))
      .then((raw) => {
        if (this.#closed || entry.flights.get(query.metric) !== flight) return;
        entry.flights.delete(query.metric);
        entry.answers[query.metric] = raw;
        this.#tick(entry);
        this.#wakeIfIdle();
      });
  }

  #provider(kind: ProviderKind): Provider | { readonly error: string } {
    let provider = this.#providers.get(kind);
    if (!provider) {
      try {
        provider = this.#factory(kind);
      } catch (err) {
        provider = { error: `the ${kind} provider is not available: ${messageOf(err)}` };
      }
      this.#providers.set(kind, provider);
    }
    return provider;
  }

  #schedule(entry: Entry, delayMs: number): void {
    this.#clearTimer(entry);
    entry.timer = this.#scheduler.set(
      () => {
        entry.timer = undefined;
        this.#tick(entry);
      },
      Math.max(0, delayMs),
    );
  }

  #clearTimer(entry: Entry): void {
    if (entry.timer !== undefined) this.#scheduler.clear(entry.timer);
    entry.timer = undefined;
  }

  #notify(runId: string): void {
    try {
      this.#onChange?.(runId);
    } catch {
      // a listener's failure must not stop the runs; it sees the next change again
    }
  }

  #isIdle(): boolean {
    if (this.#closed) return true;
    if (this.#loading > 0) return false;
    for (const entry of this.#entries.values()) {
      if (entry.flights.size > 0 || entry.saving || !entry.run) return false;
    }
    return true;
  }

  #wakeIfIdle(force = false): void {
    if (!force && !this.#isIdle()) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

/** Runs `fn`; when it returns a promise, waits for it. `ok`/`failed` run synchronously for plain values. */
function settle<T>(
  fn: () => T | PromiseLike<T>,
  ok: (value: T) => void,
  failed: (err: unknown) => void,
): void {
  let value: T | PromiseLike<T>;
  try {
    value = fn();
  } catch (err) {
    failed(err);
    return;
  }
  if (isThenable(value)) {
    Promise.resolve(value).then(ok, failed);
  } else {
    ok(value);
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function endedRun(now: Date, args: Readonly<Record<string, string>>, message: string): AnalysisRun {
  const at = now.toISOString();
  return { startedAt: at, phase: 'error', completedAt: at, message, args: { ...args }, metrics: [] };
}

function checkRequest(req: StartRequest): void {
  if (typeof req?.runId !== 'string' || req.runId === '') {
    throw new TypeError(`an analysis run needs a runId, got ${JSON.stringify(req?.runId)}`);
  }
  if (!Array.isArray(req.templates) || req.templates.some((t) => typeof t !== 'string')) {
    throw new TypeError(`run ${req.runId}: templates must be a list of names`);
  }
}

/** A provider query in words, without secrets (no headers, no URL query strings). */
export function describeQuery(q: ProviderQuery): string {
  switch (q.kind) {
    case 'prometheus':
      return q.address ? `${q.query} @ ${q.address}` : q.query;
    case 'web': {
      const url = URL.canParse(q.url) ? describeUrl(new URL(q.url)) : q.url;
      return `${q.method} ${url}${q.jsonPath ? ` → ${q.jsonPath}` : ''}`;
    }
    case 'job':
      return q.run !== undefined ? `run: ${q.run}` : 'a Kubernetes Job spec';
    case 'builtin':
      if (q.metric === 'counters') return 'counters of the canary and the stable version';
      return `${q.metric} of the ${q.version} over ${q.windowMs / 1000}s`;
  }
}
