/*
 * The web dashboard, mounted on the control plane's API by one call: its pages (`GET /` and
 * `/ui/*`, open: they hold no data, the page asks for a token), its live stream
 * (`GET /v1/stream`, token required) and its JSON routes (routes.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeployError } from '../deploy/deployments.ts';
import { asset } from './assets.ts';
import { webRoutes } from './routes.ts';
import type { WebRoute } from './routes.ts';
import { streamView, viewOf } from './stream.ts';
import type { StreamDeps } from './stream.ts';
import type { Clock } from '../engine/clock.ts';

export interface Dashboard {
  routes: WebRoute[];
  /** Serves the request if it is the dashboard's page, asset or stream; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, authorized: () => boolean): Promise<boolean>;
}

export function dashboard(d: StreamDeps & { clock: Clock }): Dashboard {
  return {
    routes: webRoutes(d),
    async handle(req, res, authorized) {
      if (req.method !== 'GET') return false;
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (path === '/' || path === '/ui' || path.startsWith('/ui/')) {
        const name = path.startsWith('/ui/') ? path.slice(4) : 'index.html';
        const file = await asset(name === '' ? 'index.html' : name);
        if (!file) return false;
        res.writeHead(200, {
          'content-type': file.type,
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
          'content-security-policy':
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
        });
        res.end(file.body);
        return true;
      }
      if (path !== '/v1/stream') return false;
      if (!authorized()) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'missing or wrong token: send Authorization: Bearer <token>' }));
        return true;
      }
      try {
        viewOf(d, url.searchParams);
      } catch (err) {
        const e = err as DeployError;
        res.writeHead(e.status ?? 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: e.message }));
        return true;
      }
      streamView(d, req, res, url.searchParams);
      return true;
    },
  };
}
