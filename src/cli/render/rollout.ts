import type { EnvironmentStatus } from '../../server/client.ts';
import { planOf } from '../../rollout/plan.ts';
import { percent } from '../../rollout/strategy.ts';
import { paint, type Io } from '../io.ts';

/** A rollout and its environment as lines for people. */
export function renderStatus(io: Io, s: EnvironmentStatus): string {
  const { environment: env, rollout } = s;
  const lines: string[] = [];
  lines.push(
    `${paint(io, 'bold', `${env.service} in ${env.environment}`)}  port ${env.port}  stable ${env.stable ? `${env.stable.version} (revision ${env.stable.revision})` : 'none'}`,
  );
  if (rollout) {
    const st = rollout.state;
    const plan = planOf(st.strategy);
    const colour =
      st.phase === 'completed'
        ? 'green'
        : st.phase === 'rolled-back' || st.phase === 'aborted'
          ? 'red'
          : 'cyan';
    lines.push(
      `rollout ${rollout.id}: ${paint(io, colour, st.phase)}${st.pauseReason && st.phase === 'paused' ? ` (${st.pauseReason})` : ''}  ` +
        `${rollout.stable?.version ?? '(none)'} → ${rollout.canary.version}  step ${Math.min(st.stepIndex + 1, plan.length)}/${plan.length}  ` +
        `canary weight ${percent(st.weight)}`,
    );
    if (st.abortReason) lines.push(`  reason: ${st.abortReason}`);
    if (rollout.dataPlane === 'pending')
      lines.push('  waiting for the router to serve the final split (the control plane keeps applying it)');
    const threshold = st.strategy.kind === 'canary' ? st.strategy.failedCheckThreshold : undefined;
    if (threshold)
      lines.push(`  failed checks: ${st.failedChecks ?? 0} of ${threshold} (the last rolls back)`);
    for (const [id, run] of Object.entries(st.analysisRuns)) {
      lines.push(`  analysis ${id} (${run.analysis.templates.join(', ')}): ${run.status}`);
    }
  } else {
    lines.push('no rollout yet');
  }
  const weights = Object.entries(env.weights)
    .map(([v, w]) => `${v} ${percent(w)}`)
    .join(', ');
  lines.push(`traffic: ${weights || 'none'}`);
  for (const i of s.site?.instances ?? []) {
    const mark = i.ready
      ? paint(io, 'green', '●')
      : i.crashLoop
        ? paint(io, 'red', '✖')
        : paint(io, 'yellow', '○');
    lines.push(
      `  ${mark} ${i.version}#${i.index}${i.address ? ` ${i.address}` : ''} ${i.state}${i.restarts > 0 ? ` restarts ${i.restarts}` : ''}${i.crashLoop ? ' crash-loop' : ''}`,
    );
  }
  if (rollout) {
    lines.push(paint(io, 'dim', 'recent:'));
    for (const h of rollout.state.history.slice(-6))
      lines.push(paint(io, 'dim', `  ${h.at.slice(11, 23)} ${h.event}: ${h.detail}`));
  }
  return lines.join('\n') + '\n';
}
