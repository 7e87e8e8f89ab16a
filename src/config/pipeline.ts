import type { Triggers } from '../triggers/triggers.ts';
import type { Subscription } from '../notify/subscription.ts';
import type { EnvMap } from './schema.ts';
import type { VerifyPolicy } from '../gates/supply-chain/verify-policy.ts';

/** How to tell that a background service is ready. */
export interface Readiness {
  kind: 'tcp' | 'http' | 'run' | 'none';
  target: string;
  timeoutMs: number;
  intervalMs: number;
}

/** A background process started before a stage's steps and stopped after them. */
export interface Service {
  name: string;
  run: string;
  env: EnvMap;
  workingDirectory: string;
  ready: Readiness;
}

/** One step, resolved: ids assigned, durations in milliseconds, defaults applied. */
export interface Step {
  /** `stage/id`, unique in the pipeline. */
  key: string;
  id: string;
  name: string;
  index: number;
  run?: string;
  uses?: string;
  with: Record<string, unknown>;
  env: EnvMap;
  if?: string;
  timeoutMs?: number;
  retry: { count: number; delayMs: number };
  continueOnError: boolean;
  /** Exit codes of a `run:` step that end it as `warning`, not `failed`. */
  warnOnExit?: number[];
  /** Runs the step this many times in all; a failing run after a pass fails it as flaky. */
  rerun?: number;
  workingDirectory: string;
}

/** One stage of the DAG. */
export interface Stage {
  name: string;
  needs: string[];
  if?: string;
  env: EnvMap;
  timeoutMs?: number;
  continueOnError: boolean;
  services: Service[];
  steps: Step[];
}

/** A validated, frozen pipeline; stored with each run so `resume` runs exactly the same thing. */
export interface Pipeline {
  file: string;
  root: string;
  name: string;
  concurrency: number;
  inheritEnv: string[];
  env: EnvMap;
  secrets: Record<string, { env?: string; file?: string }>;
  service?: { name: string; tier?: number; health?: string; slo?: { objective: number; window?: string } };
  /** Deployment-window calendars as written (validated); `calendarsOf()` parses them. */
  windows: Record<string, unknown>;
  /** What starts the pipeline in runway serve (absent: only runway run). */
  on?: Triggers;
  /** Role name → identities allowed to act in that role (approvals). */
  roles: Record<string, string[]>;
  /** Analysis templates as written (validated); `parseAnalysisTemplates` reads them. */
  analysis: Record<string, unknown>;
  /** Where releases run, by environment name. */
  environments: Record<string, Environment>;
  /** Who is told what, by subscription name (absent in runs stored before notifications existed). */
  notifications?: Record<string, Subscription>;
  /** Stages in a topological order (every stage after its needs). */
  stages: Stage[];
}

/** The default number of stages that run at once. */
export const DEFAULT_CONCURRENCY = 2;

/** An environment's local target: how to run one instance of a release. */
export interface LocalTarget {
  kind: 'local';
  command: string;
  port: number;
  previewPort?: number;
  replicas: number;
  env: EnvMap;
  /** Absolute; the command runs here when the release has no artifact. */
  workingDirectory: string;
  readyTimeoutMs: number;
}

/** Where releases of the service run. */
export interface Environment {
  name: string;
  target: LocalTarget;
  /** Releases must carry a valid attestation by this key or certificate identity (paths absolute). */
  verify?: VerifyPolicy;
}
