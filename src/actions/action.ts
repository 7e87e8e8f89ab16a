import type { Pipeline, Step } from '../config/pipeline.ts';
import type { Clock } from '../engine/clock.ts';
import type { ExpressionContext } from '../engine/expressions.ts';
import type { RunContext } from '../engine/run-context.ts';
import type { EvidenceValue } from '../records/evidence.ts';
import type { Store } from '../store/store.ts';

export type { EvidenceValue };

/** What an action needs from the engine while it runs. */
export interface ActionContext {
  step: Step;
  /** `with:` inputs, expressions already rendered, validated against the action's schema. */
  inputs: Record<string, unknown>;
  expressions: ExpressionContext;
  /** Directory the pipeline file is in; relative paths resolve from here. */
  root: string;
  workingDirectory: string;
  /** Writes a line to the step's log (secrets are masked downstream). */
  log(line: string): void;
  signal: AbortSignal;
  /** The run this step belongs to, its pipeline, and where its state lives. */
  run: { id: number; pipeline: Pipeline; context?: RunContext };
  store: Store;
  clock: Clock;
  /** Where the store keeps its files (runs, releases, the control plane's address). */
  dataDir: string;
  /** The runway process's environment (e.g. RUNWAY_SERVER); never passed to commands as is. */
  hostEnv: Record<string, string | undefined>;
}

/** What an action produced. `ok: false` fails the step with `reason`. */
export interface ActionResult {
  ok: boolean;
  reason?: string;
  outputs?: Record<string, string>;
  evidence?: Record<string, EvidenceValue>;
}

/** What an action's load-time check may look at. */
export interface InputCheckContext {
  root: string;
  windows: Record<string, unknown>;
  roles: Record<string, string[]>;
  /** Names of the environments declared in the file. */
  environments: string[];
  /** The `target.kind` of each declared environment, by name. */
  environmentTargets?: Readonly<Record<string, string>>;
  /** Names of the analysis templates declared in the file. */
  analysis: string[];
  /** Names of the notification subscriptions declared in the file (absent where none are known). */
  notifications?: string[];
}

/** A built-in `uses:` step. */
export interface Action {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of `with:`; checked when the pipeline is loaded. */
  readonly inputs: Record<string, unknown>;
  /**
   * Checks inputs against the rest of the pipeline when the file is loaded (names of windows,
   * roles, files…); each problem names the input it is about. Optional.
   */
  check?(inputs: Record<string, unknown>, pipeline: InputCheckContext): { input: string; message: string }[];
  /**
   * Runs the step. An action whose run needs more than its definition keeps that code in
   * `<name>-run.ts` and imports it here on first use, so loading a pipeline (`runway validate`,
   * the start of `runway run`) loads only definitions (registry.test.ts checks it).
   */
  run(ctx: ActionContext): Promise<ActionResult>;
}
