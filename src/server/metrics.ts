import type { Store } from '../store/store.ts';

/**
 * The control plane's own counters in Prometheus text format, with the names the seeds use:
 * `canary_deployments_total` and `canary_rollbacks_total` by service and environment.
 */
export async function controlPlaneMetrics(store: Store): Promise<string> {
  const rollouts = await store.rollouts({ limit: 100_000 });
  const deployments = new Map<string, number>();
  const rollbacks = new Map<string, number>();
  for (const r of rollouts) {
    const key = `service="${escape(r.service)}",environment="${escape(r.environment)}"`;
    deployments.set(key, (deployments.get(key) ?? 0) + 1);
    if (r.state.phase === 'rolled-back' || r.state.phase === 'aborted')
      rollbacks.set(key, (rollbacks.get(key) ?? 0) + 1);
    else rollbacks.set(key, rollbacks.get(key) ?? 0);
  }
  const lines = [
    '# HELP canary_deployments_total Rollouts started.',
    '# TYPE canary_deployments_total counter',
    ...[...deployments].map(([k, v]) => `canary_deployments_total{${k}} ${v}`),
    '# HELP canary_rollbacks_total Rollouts that ended rolled back or aborted.',
    '# TYPE canary_rollbacks_total counter',
    ...[...rollbacks].map(([k, v]) => `canary_rollbacks_total{${k}} ${v}`),
  ];
  return lines.join('\n') + '\n';
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
