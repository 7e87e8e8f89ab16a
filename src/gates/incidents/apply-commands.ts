import type { IncidentRecord, Store } from '../../store/store.ts';
import type { Incident, IncidentCommand } from './incident.ts';

/** Applies incident commands to the store; returns what changed, for the caller to report. */
export async function applyIncidentCommands(
  store: Store,
  commands: readonly IncidentCommand[],
): Promise<{ opened: string[]; resolved: string[] }> {
  const opened: string[] = [];
  const resolved: string[] = [];
  for (const c of commands) {
    if (c.action === 'open') {
      if (await store.openIncident(toRecord(c.incident))) opened.push(c.incident.id);
    } else {
      const ids = await store.resolveIncident(
        { id: c.incident.id, ...(c.incident.fingerprint ? { fingerprint: c.incident.fingerprint } : {}) },
        c.incident.resolvedAt.toISOString(),
      );
      const byFingerprint =
        ids.length === 0 && c.incident.fingerprint
          ? await store.resolveIncident(
              { fingerprint: c.incident.fingerprint },
              c.incident.resolvedAt.toISOString(),
            )
          : [];
      resolved.push(...ids, ...byFingerprint);
    }
  }
  return { opened, resolved };
}

/** An incident as the store keeps it. */
export function toRecord(i: Incident): IncidentRecord {
  return {
    id: i.id,
    service: i.service,
    severity: i.severity,
    title: i.title,
    source: i.source,
    ...(i.fingerprint ? { fingerprint: i.fingerprint } : {}),
    openedAt: i.openedAt.toISOString(),
    ...(i.resolvedAt ? { resolvedAt: i.resolvedAt.toISOString() } : {}),
  };
}
