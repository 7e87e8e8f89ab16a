/*
 * Commands from people. Each either applies fully or is rejected with a reason and changes nothing.
 *
 * - promote: go past what holds a paused rollout (a pause step, an inconclusive analysis, a
 *   blue-green switch waiting for approval) and lift a manual pause.
 * - promote-full: skip every remaining step and analysis; complete as soon as instances are ready.
 * - pause / resume: a manual hold; clocks keep running, failing analysis still aborts. `resume`
 *   on an inconclusive analysis runs it again.
 * - abort: back to stable now. retry: start an aborted or rolled-back rollout again from step 1.
 */
import type { Draft } from './draft.ts';
import { COMMANDS, isCommand } from './observations.ts';
import type { Command } from './observations.ts';
import { isTerminal } from './state.ts';
import { abort, retry } from './transitions.ts';

/** Applies the observed commands in order; stale or invalid ones become errors. */
export function applyCommands(d: Draft, fresh: boolean): void {
  for (const command of d.obs.commands) {
    const mark = d.s.history.length;
    const problem = !isCommand(command)
      ? `unknown command "${command}"; valid commands: ${COMMANDS.join(', ')}`
      : !fresh
        ? `ignored: commands observed at or before ${d.s.observedAt} were already consumed`
        : HANDLERS[command](d);
    if (problem) {
      d.errors.push({ command, message: problem });
      continue;
    }
    d.s.history.splice(mark, 0, { at: d.at, event: 'command', detail: command });
  }
}

const HANDLERS: Record<Command, (d: Draft) => string | undefined> = {
  promote(d) {
    const s = d.s;
    if (s.phase !== 'paused') {
      const hint =
        s.phase === 'analysing' ? '; wait for the analysis, or promote-full to skip all steps' : '';
      return `cannot promote: the rollout is ${s.phase}, not paused${hint}`;
    }
    if (s.pauseReason === 'manual') delete s.pauseReason;
    const step = d.plan[s.stepIndex];
    const stepRun = s.stepRunId ? s.analysisRuns[s.stepRunId] : undefined;
    if (step?.kind === 'pause' || stepRun?.status === 'inconclusive') d.nextStep();
    const background = s.backgroundRunId ? s.analysisRuns[s.backgroundRunId] : undefined;
    if (background?.status === 'inconclusive') delete s.backgroundRunId;
    s.lastProgressAt = d.at;
    return undefined;
  },

  'promote-full'(d) {
    const s = d.s;
    if (isTerminal(s.phase)) return `cannot promote-full: the rollout is ${s.phase}`;
    if (s.pauseReason === 'manual') delete s.pauseReason;
    const stepRun = s.stepRunId ? s.analysisRuns[s.stepRunId] : undefined;
    if (stepRun?.status === 'running') {
      stepRun.status = 'stopped';
      stepRun.finishedAt = d.at;
      d.emit({ type: 'stop-analysis', runId: stepRun.runId });
    }
    s.stepIndex = d.plan.length;
    s.stepStartedAt = d.at;
    s.lastProgressAt = d.at;
    delete s.stepRunId;
    return undefined;
  },

  pause(d) {
    const s = d.s;
    if (isTerminal(s.phase)) return `cannot pause: the rollout is ${s.phase}`;
    if (s.pauseReason === 'manual')
      return 'cannot pause: already paused by a person; resume or promote to go on';
    d.setPhase('paused', 'manual', 'paused');
    return undefined;
  },

  resume(d) {
    const s = d.s;
    if (s.pauseReason === 'manual') {
      delete s.pauseReason;
    } else if (s.pauseReason === 'inconclusive') {
      const stepRun = s.stepRunId ? s.analysisRuns[s.stepRunId] : undefined;
      if (stepRun?.status === 'inconclusive') delete s.stepRunId;
      const background = s.backgroundRunId ? s.analysisRuns[s.backgroundRunId] : undefined;
      if (background?.status === 'inconclusive') delete s.backgroundRunId;
    } else if (s.phase === 'paused') {
      return `cannot resume: paused at a ${s.pauseReason}, which only promote goes past`;
    } else {
      return `cannot resume: the rollout is ${s.phase}, not paused`;
    }
    s.lastProgressAt = d.at;
    return undefined;
  },

  abort(d) {
    if (isTerminal(d.s.phase)) return `cannot abort: the rollout is already ${d.s.phase}`;
    abort(d, 'aborted by command');
    return undefined;
  },

  retry(d) {
    const phase = d.s.phase;
    if (phase !== 'aborted' && phase !== 'rolled-back') {
      return `cannot retry: only an aborted or rolled-back rollout can be retried; this one is ${phase}`;
    }
    retry(d);
    return undefined;
  },
};
