import { alertFingerprint } from './alert-fingerprint.ts';
import { DEFAULT_ALERTMANAGER_MAPPING } from './alertmanager-mapping.ts';
import type { AlertmanagerMapping } from './alertmanager-mapping.ts';
import { parseAlertmanagerPayload } from './alertmanager-payload.ts';
import type { AlertmanagerAlert } from './alertmanager-payload.ts';
import type { Incident, IncidentCommand, Severity } from './incident.ts';
import { childPath } from './payload-issue.ts';
import type { PayloadIssue } from './payload-issue.ts';

/** Commands to apply (and warnings to log), or every issue that made the payload unusable. */
export type AlertmanagerResult =
  { ok: true; commands: IncidentCommand[]; warnings: string[] } | { ok: false; errors: PayloadIssue[] };

/**
 * Turns an Alertmanager webhook body into incident commands: `open` for firing alerts, `resolve` for
 * resolved ones. An incident's id is its alert's fingerprint (computed from the labels when the
 * payload has none) plus its start, so repeated notifications open it once. Times after `now` are
 * taken as `now`. Never throws on bad input: a malformed payload, or an alert without a service,
 * is an error naming the field.
 */
export function fromAlertmanager(
  payload: unknown,
  now: Date,
  mapping: AlertmanagerMapping = DEFAULT_ALERTMANAGER_MAPPING,
): AlertmanagerResult {
  if (Number.isNaN(now.getTime())) throw new Error('invalid time now, expected a valid Date');
  const parsed = parseAlertmanagerPayload(payload);
  if (!parsed.ok) return { ok: false, errors: parsed.issues };

  const commands: IncidentCommand[] = [];
  const errors: PayloadIssue[] = [];
  parsed.value.alerts.forEach((alert, i) => {
    const service = serviceOf(alert, mapping);
    if (service === undefined) {
      errors.push({
        path: childPath(childPath('alerts', i), 'labels'),
        expected: `a ${mapping.serviceLabels.map((name) => JSON.stringify(name)).join(' or ')} label naming the service`,
        got: `labels ${Object.keys(alert.labels).join(', ') || '(none)'}`,
      });
      return;
    }
    const incident = toIncident(alert, service, now, mapping);
    if (alert.status === 'firing') {
      commands.push({ action: 'open', incident });
    } else {
      const resolvedAt = earliest(alert.endsAt ?? now, now);
      commands.push({ action: 'resolve', incident: { ...incident, resolvedAt } });
    }
  });
  if (errors.length > 0) return { ok: false, errors };

  const { truncatedAlerts } = parsed.value;
  const warnings =
    truncatedAlerts > 0
      ? [`alertmanager left out ${truncatedAlerts} alerts (max_alerts), so their incidents are not seen`]
      : [];
  return { ok: true, commands, warnings };
}

function toIncident(
  alert: AlertmanagerAlert,
  service: string,
  now: Date,
  mapping: AlertmanagerMapping,
): Incident {
  const fingerprint = alert.fingerprint ?? alertFingerprint(alert.labels);
  const title =
    firstValue(alert.annotations, mapping.titleAnnotations) ??
    firstValue(alert.labels, ['alertname']) ??
    `alert ${fingerprint}`;
  return {
    id: `alertmanager:${fingerprint}:${alert.startsAt.toISOString()}`,
    service,
    severity: severityOf(alert, mapping),
    title,
    source: 'alertmanager',
    fingerprint,
    openedAt: earliest(alert.startsAt, now),
  };
}

function serviceOf(alert: AlertmanagerAlert, mapping: AlertmanagerMapping): string | undefined {
  return firstValue(alert.labels, mapping.serviceLabels) ?? mapping.defaultService;
}

function severityOf(alert: AlertmanagerAlert, mapping: AlertmanagerMapping): Severity {
  const value = firstValue(alert.labels, mapping.severityLabels)?.toLowerCase() ?? '';
  return Object.hasOwn(mapping.severities, value)
    ? (mapping.severities[value] as Severity)
    : mapping.unknownSeverity;
}

function firstValue(values: Readonly<Record<string, string>>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value) return value;
  }
  return undefined;
}

function earliest(a: Date, b: Date): Date {
  return new Date(Math.min(a.getTime(), b.getTime()));
}
