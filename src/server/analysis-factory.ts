/*
 * Runs a rollout's analysis with the analysis executor: its runs persisted in the store, the
 * built-in provider reading the data plane's per-version counts, Prometheus when configured.
 */
import type { VersionSnapshot } from '../agent/metrics/version-snapshot.ts';
import { AnalysisExecutor } from '../analysis/executor.ts';
import { storeBackedRuns } from '../analysis/run-store.ts';
import type { AnalysisRunStore } from '../analysis/run-store.ts';
import { systemClock } from '../engine/clock.ts';
import type { AnalysisDriverFactory } from '../rollout/analysis-driver.ts';
import type { Store } from '../store/store.ts';

/** Per-version request counts of an environment (its router's). */
export interface RouterCounts {
  snapshot(service: string, environment: string): Promise<readonly VersionSnapshot[]>;
}

/** How often the data plane's counts are fetched for the built-in provider. */
const SNAPSHOT_EVERY_MS = 200;

/** The analysis engine of each rollout, given the data plane it reads. */
export function analysisFactory(opts: {
  store: Store;
  log: (line: string) => void;
  prometheus?: string;
}): (counts: RouterCounts) => AnalysisDriverFactory {
  return (counts) => async (rollout, onChange) => {
    let latest: readonly VersionSnapshot[] = [];
    const refresh = async () => {
      latest = await counts.snapshot(rollout.service, rollout.environment).catch(() => latest);
    };
    await refresh();
    const timer = setInterval(() => void refresh(), SNAPSHOT_EVERY_MS);
    timer.unref();
    const table = storeBackedRuns(opts.store);
    const runs: AnalysisRunStore = {
      save: (id, state) => table.save(id, state),
      load: (id) => table.load(id),
      active: async () => (await table.active()).filter((r) => r.runId.startsWith(`${rollout.id}#`)),
    };
    const executor = new AnalysisExecutor({
      templates: rollout.analysis,
      store: runs,
      clock: systemClock,
      providerDeps: {
        builtin: { metrics: { snapshot: () => latest }, waitForFirstWindow: true },
        ...(opts.prometheus ? { prometheus: { address: opts.prometheus } } : {}),
      },
      onChange: () => onChange(),
    });
    executor.resume();
    return {
      start: (req) => executor.start(req),
      stop: (runId) => executor.stop(runId),
      verdicts: () => executor.verdicts(),
      explain: (runId) => executor.explain(runId),
      report: (runId) => {
        const e = executor.explain(runId);
        if (!e || e.phase === 'running') return undefined;
        const samples = Object.fromEntries(
          e.metrics.flatMap((m) => (m.samples ? [[m.name, m.samples]] : [])),
        );
        return {
          phase: e.phase,
          ...(e.message ? { message: e.message } : {}),
          lines: [...e.lines],
          ...(Object.keys(samples).length > 0 && { samples }),
        };
      },
      close: () => {
        clearInterval(timer);
        executor.close();
      },
    };
  };
}
