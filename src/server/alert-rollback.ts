import type { Deployments } from '../deploy/deployments.ts';
import { DeployError } from '../deploy/deployments.ts';
import type { RollbackRequest } from '../gates/incidents/alert-rollbacks.ts';
import type { Store } from '../store/store.ts';

/** A rollout an alert aborted. */
export interface AlertRollback {
  rolloutId: string;
  service: string;
  environment: string;
  alert: string;
  phase: string;
}

/**
 * Aborts every rollout in flight that a firing alert asks to roll back (traffic goes back to
 * stable at once). A rollout that finished meanwhile is left alone; repeated notifications of the
 * same alert therefore change nothing.
 */
export async function rollBackForAlerts(
  d: { store: Store; deployments: Deployments; log: (line: string) => void },
  requests: readonly RollbackRequest[],
): Promise<AlertRollback[]> {
  const done: AlertRollback[] = [];
  for (const request of requests) {
    const active = await d.store.rollouts({
      service: request.service,
      ...(request.environment ? { environment: request.environment } : {}),
      active: true,
    });
    for (const rollout of active) {
      if (done.some((r) => r.rolloutId === rollout.id)) continue;
      try {
        const after = await d.deployments.command(
          rollout.service,
          rollout.environment,
          'abort',
          `alertmanager:${request.alert}`,
        );
        d.log(`rollout ${rollout.id} aborted by alert ${request.alert}`);
        done.push({
          rolloutId: rollout.id,
          service: rollout.service,
          environment: rollout.environment,
          alert: request.alert,
          phase: after.state.phase,
        });
      } catch (err) {
        if (!(err instanceof DeployError) || err.status !== 409) throw err;
        d.log(`alert ${request.alert} found rollout ${rollout.id} already finished: ${err.message}`);
      }
    }
  }
  return done;
}
