/*
 * The control-plane API as a Hono app: one auth middleware (the token is checked before routing,
 * so an unauthenticated caller learns nothing about the routes), one authorisation check per route
 * (role and scope), one error handler with one JSON error shape `{ error, issues? }`.
 */
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DeployError } from '../deploy/deployments.ts';
import { metadataToken } from '../interop/routes.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { refusal, type Caller } from './auth/roles.ts';
import type { Authenticator } from './auth/authenticator.ts';
import { checkedParams, drain, MAX_BODY, pathMatcher, rawPath, readBody, readJson } from './request.ts';
import type { ApiRoute } from './route.ts';

/** The Hono environment of the API: Node's request and response, and the authenticated caller. */
export type ApiEnv = { Bindings: HttpBindings; Variables: { caller: Caller | undefined } };

/** What the app is built from. */
export interface AppOptions {
  routes: readonly ApiRoute[];
  auth: Authenticator;
  audit: AuditLog;
  log: (line: string) => void;
  /** Answers `GET /metrics` (Prometheus text), open like a scrape target. */
  metrics: () => Promise<string>;
  /**
   * Mounts more routes outside `/v1` (the dashboard under `/ui`); they are not behind the token
   * check, so what they serve must be public or call `app`'s `/v1` routes with a token.
   */
  mount?: (app: Hono<ApiEnv>) => void;
}

const OPEN = new Set(['/v1/health']);
const DENIED = 'missing or wrong token: send Authorization: Bearer <token>';

/** Builds the API's Hono app. */
export function createApp(o: AppOptions): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const matchers = o.routes.map((r) => ({ route: r, re: pathMatcher(r.path) }));

  app.use('/v1/*', async (c, next) => {
    const path = rawPath(c.env.incoming);
    const header = c.req.header('authorization') ?? '';
    const caller = header.startsWith('Bearer ') ? await o.auth.authenticate(header.slice(7)) : undefined;
    c.set('caller', caller);
    if (caller || OPEN.has(path)) return next();
    // webhooks that cannot send headers (Flagger) carry the token in their metadata instead
    const route = matchers.find((m) => m.route.method === c.req.method && m.re.test(path))?.route;
    if (route?.tokenInMetadata || route?.signed) return next();
    throw new DeployError(401, DENIED);
  });

  app.get('/metrics', async (c) =>
    c.text(await o.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
  app.get('/v1/health', (c) => c.json({ ok: true, pid: process.pid }));
  o.mount?.(app);

  for (const { route, re } of matchers) {
    app.on(route.method, route.path, async (c) => {
      const path = rawPath(c.env.incoming);
      const params = checkedParams((re.exec(path) ?? []).slice(1), route.params ?? []);
      if (Number(c.req.header('content-length') ?? 0) > MAX_BODY)
        throw new DeployError(413, `request body over ${MAX_BODY} bytes (1 MiB)`);
      if (route.signed) return answer(route.signed.caller, await readBody(c.env.incoming));
      const body = route.method === 'GET' ? undefined : await readJson(c.env.incoming);
      const caller = c.get('caller') ?? (await o.auth.authenticate(metadataToken(body) ?? ''));
      if (!caller) throw new DeployError(401, `${DENIED}, or metadata.token in the webhook's metadata`);
      const why = refusal(caller, route.action, (await route.scope?.(params, body)) ?? {});
      if (why) {
        await audited(o, caller, c, path, 403, why);
        throw new DeployError(403, why);
      }
      return answer(caller, body);

      async function answer(caller: Caller, body: unknown): Promise<Response> {
        let status = 500;
        let error: string | undefined;
        try {
          const out = await route.handle({ url: new URL(c.req.url), params, body, caller, context: c });
          if (out instanceof Response) return out;
          status = out[0];
          return c.json(out[1], out[0] as ContentfulStatusCode);
        } catch (err) {
          status = err instanceof DeployError ? err.status : 500;
          error = (err as Error).message;
          throw err;
        } finally {
          await audited(o, caller, c, path, status, error);
        }
      }
    });
  }

  app.notFound(async (c) => {
    const path = rawPath(c.env.incoming);
    const known = matchers.some((m) => m.re.test(path));
    await drain(c.env.incoming);
    c.header('connection', 'close');
    if (known) return c.json({ error: `${c.req.method} is not allowed on ${path}` }, 405);
    return c.json({ error: `no route ${path}` }, 404);
  });

  app.onError(async (err, c) => {
    if (err instanceof DeployError) {
      if (err.status >= 400 && err.status < 500 && err.status !== 400) {
        await drain(c.env.incoming);
        c.header('connection', 'close');
      }
      const out = { error: err.message, ...(err.issues.length > 0 ? { issues: err.issues } : {}) };
      return c.json(out, err.status as ContentfulStatusCode);
    }
    o.log(`api error: ${(err as Error).stack ?? String(err)}`);
    return c.json({ error: (err as Error).message }, 500);
  });
  return app;
}

/** Records a mutating call (anything but GET) in the audit log. */
async function audited(
  o: AppOptions,
  caller: Caller,
  c: Context<ApiEnv>,
  path: string,
  status: number,
  error: string | undefined,
): Promise<void> {
  if (c.req.method === 'GET') return;
  await o.audit.record({
    tokenId: caller.id,
    tokenName: caller.name,
    role: caller.role,
    method: c.req.method,
    path,
    status,
    ...(error === undefined ? {} : { error }),
  });
}
