import type { AnalysisPhase } from './state.ts';

/** Commands people give a rollout, as `kubectl argo rollouts` names them. */
export const COMMANDS = ['promote', 'promote-full', 'pause', 'resume', 'abort', 'retry'] as const;
/** One of COMMANDS. */
export type Command = (typeof COMMANDS)[number];

/**
 * What the controller saw since its last look, taken at `now`.
 *
 * Levels (readiness, crash loop, analysis verdicts) describe the world as it is and may be
 * repeated freely. Events (a health probe's result, commands) happened once: reconcile consumes
 * them only when `now` is later than the last batch it consumed, so replaying a batch never
 * counts a failure twice or skips two pauses for one `promote`.
 */
export interface Observations {
  /**
   * Result of a health probe of the new version made for this look; undefined when none was made,
   * which includes while none of its instances is ready yet (starting up is not failing).
   */
  canaryHealthy: boolean | undefined;
  canaryReadyInstances: number;
  /** The data plane's crash-loop verdict for the new version (the seed: 3 restarts in 5 minutes). */
  crashLoop: boolean;
  /** Verdicts of analysis runs by run id; a run not listed is still running. */
  analysis: Readonly<Record<string, AnalysisPhase>>;
  commands: readonly string[];
}

/** Observations with nothing new: no probe, no verdicts, no commands. */
export function quietObservations(canaryReadyInstances: number): Observations {
  return { canaryHealthy: undefined, canaryReadyInstances, crashLoop: false, analysis: {}, commands: [] };
}

/** Whether `value` is a known command. */
export function isCommand(value: string): value is Command {
  return (COMMANDS as readonly string[]).includes(value);
}
