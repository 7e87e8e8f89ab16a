import type { Incident } from './incident.ts';

/** Open P1 and P2 incidents of a service, the gate input's `active_p1_incidents` and `active_p2_incidents`. */
export interface ActiveCounts {
  p1: number;
  p2: number;
}

/**
 * Counts a service's P1 and P2 incidents open at `now` (opened at or before it, not resolved by it);
 * an id seen twice counts once.
 */
export function activeCounts(incidents: Iterable<Incident>, service: string, now: Date): ActiveCounts {
  const at = now.getTime();
  const seen = new Set<string>();
  const counts = { p1: 0, p2: 0 };
  for (const incident of incidents) {
    if (incident.service !== service || seen.has(incident.id)) continue;
    const open =
      incident.openedAt.getTime() <= at && !(incident.resolvedAt && incident.resolvedAt.getTime() <= at);
    if (!open) continue;
    seen.add(incident.id);
    if (incident.severity === 'P1') counts.p1++;
    if (incident.severity === 'P2') counts.p2++;
  }
  return counts;
}
