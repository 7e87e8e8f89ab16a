/*
 * The web dashboard's pages on the control plane's Hono app: `GET /` and `/ui/*` serve the page
 * and its bundled script and styles. They are open (they hold no data): the page asks for a token
 * and calls the /v1 API with it, where roles are checked.
 */
import type { Hono } from 'hono';
import type { ApiEnv } from '../server/app.ts';
import { asset } from './assets.ts';

const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
};

/** Mounts the dashboard's files on the app. */
export function mountDashboard(app: Hono<ApiEnv>): void {
  const serve = async (name: string) => {
    const file = await asset(name);
    if (!file) return undefined;
    return new Response(new Uint8Array(file.body), {
      status: 200,
      headers: { ...HEADERS, 'content-type': file.type },
    });
  };
  app.get('/', async (c) => (await serve('index.html')) ?? c.notFound());
  app.get('/ui/:file', async (c) => (await serve(c.req.param('file'))) ?? c.notFound());
}
