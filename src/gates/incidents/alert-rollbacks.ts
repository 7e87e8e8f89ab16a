import { ROLLBACK_ACTION, ROLLBACK_ALERTS } from '../../telemetry/alert-rules.ts';
import type { AlertmanagerAlert } from './alertmanager-payload.ts';
import type { IncidentCommand } from './incident.ts';

/** A firing alert that asks for its service's rollout in flight to be rolled back. */
export interface RollbackRequest {
  service: string;
  /** Only this environment's rollout, when the alert names one. */
  environment?: string;
  alert: string;
}

/**
 * The rollbacks firing alerts ask for: an alert labelled `action: rollback` (as `runway alerts`
 * writes ErrorRateCritical and CanaryHealthFailing), or named like one of the seeds' auto-rollback
 * alerts. `commands` are `fromAlertmanager`'s, one per alert in the same order, which carry the
 * service each alert was mapped to.
 * @example rollbackRequests(payload.alerts, commands) // [{ service: 'checkout-api', alert: 'ErrorRateCritical' }]
 */
export function rollbackRequests(
  alerts: readonly AlertmanagerAlert[],
  commands: readonly IncidentCommand[],
): RollbackRequest[] {
  const requests: RollbackRequest[] = [];
  alerts.forEach((alert, i) => {
    const command = commands[i];
    if (alert.status !== 'firing' || command === undefined) return;
    const name = alert.labels['alertname'] ?? '';
    const action = alert.labels['action'];
    const wanted =
      action === ROLLBACK_ACTION ||
      (action === undefined && (ROLLBACK_ALERTS as readonly string[]).includes(name));
    if (!wanted) return;
    const environment = alert.labels['environment'];
    requests.push({
      service: command.incident.service,
      ...(environment ? { environment } : {}),
      alert: name || command.incident.title,
    });
  });
  return requests;
}
