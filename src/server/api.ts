/*
 * The control plane's HTTP API on 127.0.0.1, a Hono app on Node's HTTP server. Every /v1 route but
 * /v1/health needs `Authorization: Bearer <token>`; /metrics is open (read-only counters, as
 * Prometheus scrapes). JSON in and out; errors are `{ error, issues? }` with 400, 401, 403, 404,
 * 405, 409, 413 or 500.
 */
import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import type { Clock } from '../engine/clock.ts';
import type { Controller } from '../rollout/controller.ts';
import type { SiteView } from '../rollout/placements.ts';
import type { Deployments } from '../deploy/deployments.ts';
import type { Calendar } from '../gates/windows/calendar.ts';
import { presetCalendars } from '../gates/windows/presets.ts';
import { interopRoutes } from '../interop/register.ts';
import type { CountSource } from '../interop/argo/web-metric.ts';
import type { Store } from '../store/store.ts';
import { createApp, type ApiEnv } from './app.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { StoreAuditLog } from './audit/store-audit-log.ts';
import type { Authenticator } from './auth/authenticator.ts';
import { StoreAuthenticator } from './auth/tokens.ts';
import { controlRoutes } from './control-routes.ts';
import { eventRoutes } from './event-routes.ts';
import { overrideRoutes } from './override-routes.ts';
import { runRoutes } from './run-routes.ts';
import { tokenRoutes } from './token-routes.ts';
import { controlPlaneMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { webhookRoutes, type WebhookDeps } from '../triggers/webhook-route.ts';
import type { ApiRoute } from './route.ts';
import { mountDashboard } from '../web/dashboard.ts';
import { webRoutes } from '../web/routes.ts';

/** What the API serves from. */
export interface ApiDeps {
  store: Store;
  deployments: Deployments;
  controller: Controller;
  /** What an environment's target and router report. */
  site: (service: string, environment: string) => Promise<SiteView | undefined>;
  clock: Clock;
  /** The server's own token (an admin), accepted with the store's tokens when `auth` is not given. */
  token: string;
  /** Who a bearer token belongs to (default: the server's token and the store's). */
  auth?: Authenticator;
  /** Where mutating calls are recorded (default: the store's audit log). */
  audit?: AuditLog;
  log: (line: string) => void;
  /** How the stored counter samples are read: the gap that still counts as covered, and how far back they go. */
  samples: { maxGapMs: number; retentionMs: number };
  /** Deployment windows by name for the Flagger and Argo gates (default: the presets). */
  calendars?: Readonly<Record<string, Calendar>>;
  /** Per-version counts of the data plane, for the Argo Rollouts judge (default: none recorded). */
  counts?: CountSource;
  /** The same counts from Prometheus (`runway serve --prometheus`), for pods outside the data plane. */
  prometheusCounts?: CountSource;
  /** What starts runs: `on:` of the served pipeline, the webhook secret, the run starter. */
  triggers?: WebhookDeps;
  /** Mounts more routes (the dashboard under `/ui`); see {@link AppOptions.mount}. */
  mount?: (app: Hono<ApiEnv>) => void;
}

/** Every /v1 route of the API, in the order they are mounted. */
export function apiRoutes(d: ApiDeps): ApiRoute[] {
  return [
    ...controlRoutes(d),
    ...eventRoutes(d),
    ...runRoutes(d),
    ...overrideRoutes(d),
    ...tokenRoutes(d),
    ...webRoutes(d),
    ...webhookRoutes(d.triggers, (delivery, event) =>
      d.store.claimWebhookDelivery(delivery, event, d.clock.now().toISOString()),
    ),
    ...interopRoutesOf(d),
    {
      method: 'GET',
      path: '/v1/openapi.json',
      summary: 'This API described in OpenAPI 3.1.',
      action: 'read',
      handle: async () => [200, openApiDocument(apiRoutes(d))],
    },
  ];
}

/** The route table alone, to describe it (its handlers are never called). */
export function describedRoutes(): ApiRoute[] {
  return apiRoutes({ token: 'unused', log: () => {} } as unknown as ApiDeps);
}

/** Starts the API; resolves once it listens. */
export async function startApi(deps: ApiDeps, port = 0): Promise<{ server: Server; url: string }> {
  const app = createApp({
    routes: apiRoutes(deps),
    auth: deps.auth ?? new StoreAuthenticator(deps.store, deps.token),
    audit: deps.audit ?? new StoreAuditLog(deps.store, deps.clock),
    log: deps.log,
    metrics: () => controlPlaneMetrics(deps.store),
    mount: (app) => {
      mountDashboard(app);
      deps.mount?.(app);
    },
  });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${bound}` };
}

/** The endpoints for Flagger and Argo Rollouts (src/interop), as routes of this API. */
function interopRoutesOf(d: ApiDeps): ApiRoute[] {
  return interopRoutes({
    store: d.store,
    clock: d.clock,
    calendars: d.calendars ?? presetCalendars(),
    log: d.log,
    counts: d.counts ?? { snapshot: async () => [] },
    ...(d.prometheusCounts ? { prometheus: d.prometheusCounts } : {}),
  }).map((r): ApiRoute => ({
    method: r.method,
    path: honoPath(r.path, r.params ?? []),
    summary: r.summary,
    action: r.method === 'GET' ? 'read' : 'interop',
    ...(r.tokenInMetadata ? { tokenInMetadata: true } : {}),
    handle: ({ url, params, body }) => r.handle(url, params, body),
  }));
}

/** `/^\/v1\/flagger\/([^/]+)$/` as Hono's `/v1/flagger/:hook` (names given, else p1, p2…). */
function honoPath(re: RegExp, names: readonly string[]): string {
  let n = 0;
  return re.source
    .replace(/^\^|\$$/g, '')
    .replace(/\\\//g, '/')
    .replace(/\(\[\^\/\]\+\)/g, () => `:${names[n++] ?? `p${n}`}`);
}
