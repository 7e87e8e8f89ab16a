/*
 * An executor on virtual time with the real Prometheus provider, whose one injected `fetch`
 * answers from a script: tests say what Prometheus answers to each query, and nothing sleeps.
 */
import { parse } from 'yaml';
import { T0 } from './analysis.fixture.ts';
import { AnalysisExecutor, type ExecutorOptions } from './executor.ts';
import type { FetchLike } from './providers/http-fetch.ts';
import type { ProviderDeps } from './providers/registry.ts';
import { MemoryRunStore, type AnalysisRunStore } from './run-store.ts';
import { VirtualTime } from './scheduler.ts';

/** What the scripted Prometheus does for the `n`-th time a query is asked. */
export type PromAnswer =
  number | { readonly down: string } | { readonly status: number; readonly body: string } | 'hang' | 'empty';

/** A scripted Prometheus: the answer for a query and how often it was asked before. */
export type PromScript = (query: string, n: number) => PromAnswer;

/** One query the scripted Prometheus received, with the virtual time it got it. */
export interface Asked {
  readonly query: string;
  readonly at: string;
}

/** An instant-query answer with one sample, as Prometheus writes it. */
export function vectorOf(value: number, at: Date): string {
  const text = Number.isNaN(value) ? 'NaN' : String(value);
  return JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: [{ metric: {}, value: [at.getTime() / 1000, text] }] },
  });
}

/** A `fetch` that answers `/api/v1/query` from `script`, on the virtual clock. */
export function scriptedFetch(vt: VirtualTime, script: PromScript, asked: Asked[]): FetchLike {
  const counts = new Map<string, number>();
  return (url, init) => {
    const query = new URL(url).searchParams.get('query') ?? '';
    const n = counts.get(query) ?? 0;
    counts.set(query, n + 1);
    asked.push({ query, at: vt.now().toISOString() });
    const answer = script(query, n);
    if (answer === 'hang') {
      return new Promise((_resolve, reject) =>
        init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true }),
      );
    }
    if (typeof answer === 'object' && 'down' in answer) {
      return Promise.reject(new TypeError('fetch failed', { cause: new Error(answer.down) }));
    }
    const reply =
      answer === 'empty'
        ? { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[]}}' }
        : typeof answer === 'number'
          ? { status: 200, body: vectorOf(answer, vt.now()) }
          : answer;
    return Promise.resolve({ status: reply.status, text: () => Promise.resolve(reply.body) });
  };
}

/** An executor on virtual time over a scripted Prometheus. */
export interface Harness {
  readonly vt: VirtualTime;
  readonly store: AnalysisRunStore;
  readonly executor: AnalysisExecutor;
  readonly asked: Asked[];
  readonly changes: string[];
  /** Fires timers (letting answers arrive between them) until `done` or nothing is left. */
  runUntil(done: () => boolean, maxTimers?: number): Promise<void>;
  /** Fires every timer due within `ms` from now. */
  advance(ms: number): Promise<void>;
}

/**
 * Lets every answer that is ready arrive (the scripted fetch answers at once); a query that hangs
 * stays in flight until virtual time reaches its deadline.
 */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Builds a harness from templates as YAML text (the `analysis:` section's content). */
export function harness(
  templatesYaml: string,
  script: PromScript,
  opts: {
    store?: AnalysisRunStore;
    vt?: VirtualTime;
    deps?: ProviderDeps;
    onChange?: (runId: string) => void;
  } & Partial<Pick<ExecutorOptions, 'providers'>> = {},
): Harness {
  const vt = opts.vt ?? new VirtualTime(T0);
  const store = opts.store ?? new MemoryRunStore();
  const asked: Asked[] = [];
  const changes: string[] = [];
  const executor = new AnalysisExecutor({
    templates: parse(templatesYaml) as Record<string, unknown>,
    store,
    clock: vt,
    scheduler: vt,
    providerDeps: {
      // a provider timeout in real time would fire in the middle of virtual time: the run's own deadline decides
      prometheus: {
        address: 'http://prometheus.test:9090',
        fetch: scriptedFetch(vt, script, asked),
        timeoutMs: 3_600_000,
      },
      ...opts.deps,
    },
    ...(opts.providers && { providers: opts.providers }),
    onChange: (runId) => {
      changes.push(runId);
      opts.onChange?.(runId);
    },
  });
  const runUntil = async (done: () => boolean, maxTimers = 1000) => {
    await flush();
    for (let i = 0; i < maxTimers && !done(); i++) {
      if (!vt.runNext()) break;
      await flush();
    }
  };
  const advance = async (ms: number) => {
    const target = vt.now().getTime() + ms;
    await flush();
    for (let next = vt.nextAt(); next && next.getTime() <= target; next = vt.nextAt()) {
      vt.runNext();
      await flush();
    }
    vt.advanceTo(new Date(target));
    await flush();
  };
  return { vt, store, executor, asked, changes, runUntil, advance };
}
