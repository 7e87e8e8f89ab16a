import type { AgentEvent } from './agent.ts';

/**
 * One log line for an agent event: ISO time, then what happened. Never includes environment values,
 * commands or the token.
 *
 * @example formatEvent(event, new Date()) // "2025-01-01T00:00:00.000Z site checkout-api/production applied: …"
 */
export function formatEvent(event: AgentEvent, at: Date): string {
  return `${at.toISOString()} ${describe(event)}`;
}

function describe(e: AgentEvent): string {
  switch (e.type) {
    case 'site-applied':
    case 'site-recovered':
      return `site ${e.site} ${e.type === 'site-applied' ? 'applied' : 'recovered from desired.json'}: versions ${e.versions.join(', ') || 'none'}; weights ${weights(e.weights)}`;
    case 'weights':
      return `site ${e.site} weights ${weights(e.weights)}`;
    case 'faults':
      return `site ${e.site} faults of ${e.version}: ${e.faults ? JSON.stringify(e.faults) : 'cleared'}`;
    case 'site-removed':
      return `site ${e.site} removed`;
    case 'site-error':
      return `site ${e.site} error: ${e.message}`;
    case 'leftover-killed':
      return `leftover ${e.group.site} ${e.group.key} (process group ${e.group.pgid}) killed`;
    case 'instance':
      return `instance ${e.site} ${e.event.key} ${instance(e.event)}`;
  }
}

function instance(e: Extract<AgentEvent, { type: 'instance' }>['event']): string {
  switch (e.type) {
    case 'starting':
      return `started pid=${e.pid ?? '-'} restarts=${e.restarts}`;
    case 'adopted':
      return `adopted pid=${e.pid ?? '-'} (left running by the previous agent)`;
    case 'ready':
      return 'ready';
    case 'unhealthy':
      return `unhealthy: ${e.reason}`;
    case 'exited':
      return `exited code=${e.code ?? '-'} signal=${e.signal ?? '-'}${e.error ? ` error=${e.error}` : ''}`;
    case 'restarting':
      return `restarting in ${e.delayMs}ms (attempt ${e.attempt})`;
    case 'crash-loop':
      return `crash loop: ${e.restarts} restarts within ${e.windowMs / 1000}s`;
    case 'stopped':
      return 'stopped';
  }
}

function weights(w: Readonly<Record<string, number>>): string {
  const entries = Object.entries(w);
  return entries.length === 0 ? 'none' : entries.map(([v, n]) => `${v}=${n}`).join(' ');
}
