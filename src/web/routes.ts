/*
 * The dashboard's part of the API: the read endpoints its pages need beyond the runs, rollouts,
 * SLO and DORA routes of src/server (an overview of services × environments, gate decisions with
 * their evidence and waiting approvals) and the live stream of a page's view. Each is read-only
 * and shows only what the caller's token is scoped to.
 */
import { streamSSE } from 'hono/streaming';
import type { Caller } from '../server/auth/roles.ts';
import type { ApiRoute } from '../server/route.ts';
import { gatesView, overviewView } from './views.ts';
import type { ViewDeps } from './views.ts';
import { viewOf, watchView } from './stream.ts';
import type { StreamDeps } from './stream.ts';

export function webRoutes(d: StreamDeps): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/overview',
      summary:
        'Services × environments: stable release, latest rollout and its phase, last gate decision; recent runs.',
      action: 'read',
      handle: async ({ caller }) => [200, await overviewView(scoped(d, caller))],
    },
    {
      method: 'GET',
      path: '/v1/gates',
      summary:
        'Gate decisions (violations, warnings, overrides applied, evidence), overrides, waiting approvals.',
      action: 'read',
      handle: async ({ caller }) => [200, await gatesView(scoped(d, caller))],
    },
    {
      method: 'GET',
      path: '/v1/stream',
      summary:
        'Server-sent events for a dashboard page (view=overview|gates|rollout&id=ID|run&id=N): `view` when it changes, `traffic` per second on a rollout.',
      action: 'read',
      handle: async ({ context, url, caller }) => {
        const compute = viewOf(scoped(d, caller), url.searchParams);
        return streamSSE(context, (stream) =>
          watchView(d, compute, url.searchParams, {
            send: (event, data) => stream.writeSSE({ event, data }),
            comment: (text) => stream.write(`: ${text}\n\n`),
            sleep: (ms) => stream.sleep(ms),
            done: () => stream.aborted || stream.closed,
          }),
        );
      },
    },
  ];
}

/** The views' deps, seeing only the services and environments the caller's token is scoped to. */
function scoped<T extends ViewDeps>(
  d: T,
  caller: Caller,
): T & { visible: (service?: string, environment?: string) => boolean } {
  return {
    ...d,
    visible: (service, environment) =>
      (caller.services.length === 0 || service === undefined || caller.services.includes(service)) &&
      (caller.environments.length === 0 ||
        environment === undefined ||
        caller.environments.includes(environment)),
  };
}
