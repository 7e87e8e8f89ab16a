import { childPath, describeValue } from './payload-issue.ts';
import type { PayloadIssue } from './payload-issue.ts';
import { isGoZeroTime, parseRfc3339 } from './rfc3339.ts';

/** Alert and group statuses an Alertmanager webhook carries. */
export const ALERT_STATUSES = Object.freeze(['firing', 'resolved'] as const);

/** Whether an alert (or its group) is firing or resolved. */
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** One alert of a validated Alertmanager webhook. */
export interface AlertmanagerAlert {
  status: AlertStatus;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  startsAt: Date;
  /** `undefined` when Alertmanager sent Go's zero time (not set). */
  endsAt: Date | undefined;
  /** Absent before Alertmanager 0.19. */
  fingerprint?: string;
}

/** A validated Alertmanager webhook payload (version "4"); fields Runway does not use are left out. */
export interface AlertmanagerPayload {
  version: '4';
  status: AlertStatus;
  receiver?: string;
  groupKey?: string;
  /** Alerts left out because of the receiver's `max_alerts`; 0 when the field is absent. */
  truncatedAlerts: number;
  alerts: AlertmanagerAlert[];
}

/** A validated value, or every issue found. */
export type Validated<T> = { ok: true; value: T } | { ok: false; issues: PayloadIssue[] };

type Fail = (path: string, expected: string, value: unknown) => void;

/**
 * Validates an Alertmanager webhook body strictly: required fields, types, statuses and RFC 3339
 * times, reporting every issue with its path. Unknown fields are ignored, so newer Alertmanagers pass.
 */
export function parseAlertmanagerPayload(payload: unknown): Validated<AlertmanagerPayload> {
  const issues: PayloadIssue[] = [];
  const fail: Fail = (path, expected, value) => issues.push({ path, expected, got: describeValue(value) });
  if (!isRecord(payload)) {
    fail('', 'an object (an Alertmanager webhook body)', payload);
    return { ok: false, issues };
  }
  if (payload.version !== '4') fail('version', '"4"', payload.version);
  const status = readStatus(payload.status, 'status', fail);
  for (const key of ['receiver', 'groupKey', 'externalURL']) optionalString(payload[key], key, fail);
  for (const key of ['groupLabels', 'commonLabels', 'commonAnnotations']) {
    if (payload[key] !== undefined) readStringMap(payload[key], key, fail);
  }
  const truncated = payload.truncatedAlerts;
  if (truncated !== undefined && !(Number.isInteger(truncated) && (truncated as number) >= 0)) {
    fail('truncatedAlerts', 'a whole number >= 0', truncated);
  }
  const alerts: AlertmanagerAlert[] = [];
  if (!Array.isArray(payload.alerts)) {
    fail('alerts', 'an array of alerts', payload.alerts);
  } else {
    payload.alerts.forEach((alert, i) => {
      const parsed = readAlert(alert, childPath('alerts', i), fail);
      if (parsed) alerts.push(parsed);
    });
  }
  const firing = alerts.findIndex((alert) => alert.status === 'firing');
  if (status === 'resolved' && firing >= 0)
    fail('status', `"firing", since alerts[${firing}] is firing`, status);
  if (issues.length > 0 || !status) return { ok: false, issues };
  const truncatedAlerts = typeof truncated === 'number' ? truncated : 0;
  const value: AlertmanagerPayload = { version: '4', status, truncatedAlerts, alerts };
  if (typeof payload.receiver === 'string') value.receiver = payload.receiver;
  if (typeof payload.groupKey === 'string') value.groupKey = payload.groupKey;
  return { ok: true, value };
}

function readAlert(alert: unknown, path: string, fail: Fail): AlertmanagerAlert | undefined {
  if (!isRecord(alert)) {
    fail(path, 'an alert object', alert);
    return undefined;
  }
  const status = readStatus(alert.status, childPath(path, 'status'), fail);
  const labels = readStringMap(alert.labels, childPath(path, 'labels'), fail);
  const annotations = readStringMap(alert.annotations, childPath(path, 'annotations'), fail);
  const startsAt = readTime(alert.startsAt, childPath(path, 'startsAt'), fail);
  const endsAt = readTime(alert.endsAt, childPath(path, 'endsAt'), fail);
  if (startsAt !== undefined && isGoZeroTime(startsAt)) {
    fail(childPath(path, 'startsAt'), 'the time the alert started, not the zero time', alert.startsAt);
  }
  optionalString(alert.generatorURL, childPath(path, 'generatorURL'), fail);
  const fingerprint = alert.fingerprint;
  if (fingerprint !== undefined && !(typeof fingerprint === 'string' && fingerprint !== '')) {
    fail(childPath(path, 'fingerprint'), 'a non-empty string', fingerprint);
  }
  if (!status || !labels || !annotations || startsAt === undefined || endsAt === undefined) return undefined;
  return {
    status,
    labels,
    annotations,
    startsAt: new Date(startsAt),
    endsAt: isGoZeroTime(endsAt) ? undefined : new Date(endsAt),
    ...(typeof fingerprint === 'string' && fingerprint !== '' ? { fingerprint } : {}),
  };
}

function readStatus(value: unknown, path: string, fail: Fail): AlertStatus | undefined {
  if (ALERT_STATUSES.includes(value as AlertStatus)) return value as AlertStatus;
  fail(path, '"firing" or "resolved"', value);
  return undefined;
}

function readStringMap(value: unknown, path: string, fail: Fail): Record<string, string> | undefined {
  if (!isRecord(value)) {
    fail(path, 'an object of strings', value);
    return undefined;
  }
  let valid = true;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      fail(childPath(path, key), 'a string', item);
      valid = false;
    }
  }
  return valid ? Object.freeze({ ...(value as Record<string, string>) }) : undefined;
}

function readTime(value: unknown, path: string, fail: Fail): number | undefined {
  const ms = typeof value === 'string' ? parseRfc3339(value) : undefined;
  if (ms === undefined) fail(path, 'an RFC 3339 time, e.g. 2024-05-01T12:00:00Z', value);
  return ms;
}

function optionalString(value: unknown, path: string, fail: Fail): void {
  if (value !== undefined && typeof value !== 'string') fail(path, 'a string', value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
