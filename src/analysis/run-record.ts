/*
 * What the executor persists for one analysis run: the request it was started with and the run's
 * state (plain JSON, see analysis-run.ts). The phase is repeated at the top so that a store can
 * tell finished runs from active ones without knowing the rest.
 */
import type { AnalysisRun } from './analysis-run.ts';
import type { AnalysisPhase } from './provider.ts';

/** The version of the persisted shape; a store holding another one is refused, never guessed. */
export const RUN_RECORD_FORMAT = 'runway.analysis-run/1';

/** Asks the executor to start (or adopt) one analysis run. */
export interface StartRequest {
  /** Deterministic id from the rollout, e.g. `checkout-api-7#1/step-2`. */
  readonly runId: string;
  /** Template names from the `analysis:` section; their metrics run together. */
  readonly templates: readonly string[];
  /** Argument values: `service`, `environment`, `namespace`, `canary.version`, `stable.version`, and template args. */
  readonly args: Readonly<Record<string, string>>;
  /** Overrides every metric's failureLimit (a rollout step's `failureLimit`). */
  readonly failureLimit?: number;
  /** Overrides every metric's interval, in milliseconds. */
  readonly intervalMs?: number;
}

/** The persisted state of one run. */
export interface RunRecord {
  readonly format: typeof RUN_RECORD_FORMAT;
  readonly phase: AnalysisPhase;
  readonly request: StartRequest;
  readonly run: AnalysisRun;
}

/** The record of `run`, ready to be saved. */
export function runRecord(request: StartRequest, run: AnalysisRun): RunRecord {
  return { format: RUN_RECORD_FORMAT, phase: run.phase, request, run };
}

/**
 * Reads a stored record; a value of another shape gives the reason instead (the executor then
 * ends that run in `error`: it fails closed rather than guess).
 */
export function readRunRecord(state: unknown): RunRecord | { readonly unreadable: string } {
  if (!isObject(state)) return { unreadable: `expected an object, got ${typeof state}` };
  if (state['format'] !== RUN_RECORD_FORMAT) {
    return { unreadable: `unknown format ${JSON.stringify(state['format'])}, expected ${RUN_RECORD_FORMAT}` };
  }
  const { request, run } = state;
  if (!isObject(request) || typeof request['runId'] !== 'string' || !Array.isArray(request['templates'])) {
    return { unreadable: 'its request has no runId or templates' };
  }
  if (
    !isObject(run) ||
    typeof run['phase'] !== 'string' ||
    typeof run['startedAt'] !== 'string' ||
    !Array.isArray(run['metrics']) ||
    !isObject(run['args'])
  ) {
    return { unreadable: 'its run has no phase, startedAt, args or metrics' };
  }
  return state as unknown as RunRecord;
}

/**
 * Whether a stored record is a finished run (a store keeps a `finished` flag from this); an
 * unreadable record counts as active so that a restart looks at it and reports it.
 * @example isFinishedRecord(runRecord(req, run)) // false while run.phase is 'running'
 */
export function isFinishedRecord(state: unknown): boolean {
  const record = readRunRecord(state);
  return !('unreadable' in record) && record.phase !== 'running';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
