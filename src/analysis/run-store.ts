import type { Store } from '../store/store.ts';
import { isFinishedRecord } from './run-record.ts';

/** A stored run, as `active()` lists it. */
export interface StoredRun {
  readonly runId: string;
  readonly state: unknown;
}

/**
 * Where the executor persists runs. Each method may answer at once or with a promise (the
 * control plane's Store is asynchronous); the executor waits for `save` before a measurement
 * counts either way.
 */
export interface AnalysisRunStore {
  /** Persists a run's state; called before a measurement counts or a verdict is reported. */
  save(runId: string, state: unknown): void | PromiseLike<void>;
  /** The state saved for `runId`, or undefined (or a promise of either). */
  load(runId: string): unknown;
  /** Runs not finished, for resume after a restart. */
  active(): readonly StoredRun[] | PromiseLike<readonly StoredRun[]>;
}

/** Runs kept in memory (one CLI invocation, tests); `saves` counts writes. */
export class MemoryRunStore implements AnalysisRunStore {
  readonly #runs = new Map<string, string>();
  saves = 0;

  save(runId: string, state: unknown): void {
    this.#runs.set(runId, JSON.stringify(state));
    this.saves++;
  }

  load(runId: string): unknown {
    const text = this.#runs.get(runId);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  active(): StoredRun[] {
    return [...this.#runs]
      .map(([runId, text]) => ({ runId, state: JSON.parse(text) as unknown }))
      .filter((r) => !isFinishedRecord(r.state));
  }
}

/** The three analysis-run methods of the control plane's Store. */
export type AnalysisRunTable = Pick<Store, 'saveAnalysisRun' | 'loadAnalysisRun' | 'activeAnalysisRuns'>;

/**
 * Backs the executor by the control plane's Store (SQLite, PostgreSQL). A run id made by the rollout
 * controller (`<rollout>#<attempt>/<step>`) names its rollout before the `#`.
 * @example new AnalysisExecutor({ store: storeBackedRuns(store), ... })
 */
export function storeBackedRuns(
  table: AnalysisRunTable,
  rolloutOf: (runId: string) => string = (runId) => runId.split('#')[0] ?? runId,
): AnalysisRunStore {
  return {
    save: (runId, state) => table.saveAnalysisRun(runId, rolloutOf(runId), state, isFinishedRecord(state)),
    load: (runId) => table.loadAnalysisRun(runId),
    active: async () => (await table.activeAnalysisRuns()).map(({ runId, state }) => ({ runId, state })),
  };
}
