/** Incident severities, most urgent first. */
export const SEVERITIES = Object.freeze(['P1', 'P2', 'P3', 'P4'] as const);

/** How urgent an incident is. */
export type Severity = (typeof SEVERITIES)[number];

/** Where incidents come from. */
export const INCIDENT_SOURCES = Object.freeze(['cli', 'alertmanager'] as const);

/** Where an incident came from. */
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

/** An incident as the release gate sees it: open from `openedAt` until `resolvedAt`. */
export interface Incident {
  id: string;
  service: string;
  severity: Severity;
  title: string;
  source: IncidentSource;
  /** Alertmanager's alert fingerprint, which links a resolve to its open. */
  fingerprint?: string;
  openedAt: Date;
  resolvedAt?: Date;
}

/** A change to apply to the incident record: open it, or resolve it (by `id`, else by `fingerprint`). */
export type IncidentCommand =
  { action: 'open'; incident: Incident } | { action: 'resolve'; incident: Incident & { resolvedAt: Date } };
