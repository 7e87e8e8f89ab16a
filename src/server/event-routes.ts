/*
 * Live updates over server-sent events: `GET /v1/events` sends a `rollout` event each time a
 * rollout changes (the dashboard listens), and a comment every 15 s to keep the connection open.
 */
import { streamSSE } from 'hono/streaming';
import type { ApiDeps } from './api.ts';
import type { ApiRoute } from './route.ts';

/** How often the store is read for changed rollouts. */
const POLL_MS = 500;

/** The SSE endpoint. */
export function eventRoutes(d: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/events',
      summary: 'Server-sent events: a `rollout` event with the record each time a rollout changes.',
      action: 'read',
      handle: async ({ context, url, caller }) => {
        const service = url.searchParams.get('service');
        const seen = new Map<string, string>();
        return streamSSE(context, async (stream) => {
          let beat = 0;
          while (!stream.aborted && !stream.closed) {
            const rollouts = await d.store.rollouts({ ...(service ? { service } : {}), limit: 50 });
            for (const r of rollouts.reverse()) {
              if (caller.services.length > 0 && !caller.services.includes(r.service)) continue;
              if (caller.environments.length > 0 && !caller.environments.includes(r.environment)) continue;
              if (seen.get(r.id) === r.updatedAt) continue;
              seen.set(r.id, r.updatedAt);
              await stream.writeSSE({
                event: 'rollout',
                id: `${r.id}@${r.updatedAt}`,
                data: JSON.stringify(r),
              });
            }
            if ((beat += POLL_MS) >= 15_000) {
              beat = 0;
              await stream.write(': keep-alive\n\n');
            }
            await stream.sleep(POLL_MS);
          }
        });
      },
    },
  ];
}
