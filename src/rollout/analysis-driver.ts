import type { AnalysisPhase } from './state.ts';
import type { AnalysisReport, RolloutRecord } from '../deploy/records.ts';

/** What the controller asks of whatever runs a rollout's analysis (src/analysis executor). */
export interface AnalysisDriver {
  /** Starts a run; a known run id is left alone. */
  start(req: {
    runId: string;
    templates: readonly string[];
    args: Record<string, string>;
    failureLimit?: number;
    intervalMs?: number;
  }): void;
  stop(runId: string): void;
  /** Verdicts of finished runs by id. */
  verdicts(): Record<string, AnalysisPhase>;
  /** Measurements and verdicts of one run, for people. */
  explain(runId: string): unknown;
  /** The verdict of one run with one line per metric, once it has one. */
  report(runId: string): AnalysisReport | undefined;
  close(): void;
}

/** Builds the driver of one rollout; `onChange` wakes the controller when a verdict arrives. */
export type AnalysisDriverFactory = (rollout: RolloutRecord, onChange: () => void) => Promise<AnalysisDriver>;
