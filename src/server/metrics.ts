import type { Store } from '../store/store.ts';
import { pipelineFamilies } from '../telemetry/pipeline-metrics.ts';
import { renderFamilies } from '../telemetry/prometheus-text.ts';

/** How many runs and rollouts the counters are computed over. */
const HORIZON = 100_000;

/**
 * The control plane's own metrics in Prometheus text format, with the names the seeds use:
 * `ci_pipeline_runs_total{result}`, `ci_pipeline_duration_seconds`, `canary_deployments_total`
 * (production canaries only), `canary_rollbacks_total`, plus rollout phase and analysis gauges.
 */
export async function controlPlaneMetrics(store: Store): Promise<string> {
  const [runs, rollouts] = await Promise.all([
    store.listRuns({ limit: HORIZON }),
    store.rollouts({ limit: HORIZON }),
  ]);
  return renderFamilies(pipelineFamilies(runs, rollouts));
}
