/*
 * The control plane's HTTP API on 127.0.0.1. Every /v1 route but /v1/health needs
 * `Authorization: Bearer <token>`; /metrics is open (read-only counters, as Prometheus scrapes).
 * The token is checked before anything else, so an unauthenticated caller learns nothing about the
 * routes. JSON in and out; errors are `{ error, issues? }` with 400, 401, 404, 405, 409, 413 or 500.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../engine/clock.ts';
import type { Controller } from '../deploy/controller.ts';
import type { DataPlane } from '../deploy/data-plane.ts';
import { DeployError } from '../deploy/deployments.ts';
import type { Deployments } from '../deploy/deployments.ts';
import { rollbackRequests } from '../gates/incidents/alert-rollbacks.ts';
import { applyIncidentCommands } from '../gates/incidents/apply-commands.ts';
import { parseAlertmanagerPayload } from '../gates/incidents/alertmanager-payload.ts';
import { alertmanagerMapping } from '../gates/incidents/alertmanager-mapping.ts';
import { fromAlertmanager } from '../gates/incidents/from-alertmanager.ts';
import { formatPayloadIssue } from '../gates/incidents/payload-issue.ts';
import { evaluateSlo } from '../gates/slo/evaluate-slo.ts';
import { DEFAULT_SLO, defineSlo } from '../gates/slo/slo.ts';
import type { Slo } from '../gates/slo/slo.ts';
import { StoredCounterSource } from '../gates/slo/stored-counter-source.ts';
import type { Calendar } from '../gates/windows/calendar.ts';
import { presetCalendars } from '../gates/windows/presets.ts';
import { interopRoutes } from '../interop/register.ts';
import { metadataToken } from '../interop/routes.ts';
import type { CountSource } from '../interop/argo/web-metric.ts';
import { NAME, VERSION } from '../deploy/rollout-request.ts';
import type { Store } from '../store/store.ts';
import { rollBackForAlerts } from './alert-rollback.ts';
import { dora, sinceOf } from '../telemetry/dora-query.ts';
import { controlPlaneMetrics } from './metrics.ts';
import { jsonErrorReason } from '../engine/json-error.ts';
import { dashboard } from '../web/dashboard.ts';

/** What the API serves from. */
export interface ApiDeps {
  store: Store;
  deployments: Deployments;
  controller: Controller;
  dataPlane: DataPlane;
  clock: Clock;
  token: string;
  log: (line: string) => void;
  /** How the stored counter samples are read: the gap that still counts as covered, and how far back they go. */
  samples: { maxGapMs: number; retentionMs: number };
  /** Deployment windows by name for the Flagger and Argo gates (default: the presets). */
  calendars?: Readonly<Record<string, Calendar>>;
  /** Per-version counts of the data plane, for the Argo Rollouts judge (default: none recorded). */
  counts?: CountSource;
  /** The same counts from Prometheus (`runway serve --prometheus`), for pods outside the data plane. */
  prometheusCounts?: CountSource;
}

type Handler = (req: IncomingMessage, params: string[], body: unknown) => Promise<[number, unknown]>;
/** Method, path, handler, and whether the token may come in the body's `metadata.token` (Flagger). */
type Route = [string, RegExp, Handler, { tokenInMetadata?: boolean }?];

const MAX_BODY = 1024 * 1024;

/** Starts the API; resolves once it listens. */
export async function startApi(deps: ApiDeps, port = 0): Promise<{ server: Server; url: string }> {
  const web = dashboard(deps);
  const routes = [...routesOf(deps), ...interopRoutesOf(deps), ...web.routes];
  const server = createServer((req, res) => {
    void web
      .handle(req, res, () => authorized(req, deps.token))
      .then((served) => (served ? undefined : handle(deps, routes, req, res)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${bound}` };
}

/** The endpoints for Flagger and Argo Rollouts (src/interop), as routes of this API. */
function interopRoutesOf(d: ApiDeps): Route[] {
  return interopRoutes({
    store: d.store,
    clock: d.clock,
    calendars: d.calendars ?? presetCalendars(),
    log: d.log,
    counts: d.counts ?? { snapshot: async () => [] },
    ...(d.prometheusCounts ? { prometheus: d.prometheusCounts } : {}),
  }).map((r): Route => [
    r.method,
    r.path,
    (req, params, body) => r.handle(new URL(req.url ?? '/', 'http://x'), params, body),
    { tokenInMetadata: r.tokenInMetadata ?? false },
  ]);
}

function routesOf(d: ApiDeps): Route[] {
  const by = (body: unknown): string => {
    const v = (body as { by?: unknown } | null)?.by;
    return typeof v === 'string' && v.length > 0 ? v : 'api';
  };
  return [
    ['GET', /^\/v1\/health$/, async () => [200, { ok: true, pid: process.pid }]],
    [
      'POST',
      /^\/v1\/rollouts$/,
      async (_req, _p, body) => {
        const { rollout, created } = await d.deployments.create(body);
        return [created ? 201 : 200, { rollout, created }];
      },
    ],
    [
      'GET',
      /^\/v1\/rollouts$/,
      async (req) => {
        const q = requestUrl(req).searchParams;
        const limit = Number(q.get('limit') ?? 20);
        const list = await d.store.rollouts({
          ...(q.get('service') ? { service: q.get('service')! } : {}),
          ...(q.get('environment') ? { environment: q.get('environment')! } : {}),
          limit: Number.isInteger(limit) && limit > 0 ? limit : 20,
        });
        return [200, { rollouts: list }];
      },
    ],
    [
      'GET',
      /^\/v1\/rollouts\/([^/]+)$/,
      async (_req, [id]) => {
        const rollout = await d.store.getRollout(id!);
        if (!rollout) throw new DeployError(404, `no rollout "${id}"`);
        return [200, { rollout, analysis: await d.controller.explain(rollout) }];
      },
    ],
    ['GET', /^\/v1\/environments$/, async () => [200, { environments: await d.store.environments() }]],
    [
      'GET',
      /^\/v1\/environments\/([^/]+)\/([^/]+)$/,
      async (_req, [service, environment]) => {
        const env = await d.deployments.environment(service!, environment!);
        const rollouts = await d.store.rollouts({ service: service!, environment: environment!, limit: 1 });
        const site = await d.dataPlane.site(service!, environment!).catch(() => null);
        const rollout = rollouts[0];
        return [
          200,
          {
            environment: env,
            rollout: rollout ?? null,
            analysis: rollout ? await d.controller.explain(rollout) : {},
            site,
          },
        ];
      },
    ],
    [
      'POST',
      /^\/v1\/environments\/([^/]+)\/([^/]+)\/commands$/,
      async (_req, [service, environment], body) => {
        const command = (body as { command?: unknown } | null)?.command;
        if (typeof command !== 'string') throw new DeployError(400, 'expected {"command": "promote|…"}');
        const rollout = await d.deployments.command(service!, environment!, command, by(body));
        return [200, { rollout }];
      },
    ],
    [
      'POST',
      /^\/v1\/environments\/([^/]+)\/([^/]+)\/undo$/,
      async (_req, [service, environment], body) => {
        const { toRevision, toVersion } = (body ?? {}) as { toRevision?: unknown; toVersion?: unknown };
        if (toRevision !== undefined && !Number.isInteger(toRevision))
          throw new DeployError(400, 'toRevision must be an integer');
        if (toVersion !== undefined && (typeof toVersion !== 'string' || toVersion === ''))
          throw new DeployError(400, 'toVersion must be a version name');
        const to = { revision: toRevision as number | undefined, version: toVersion as string | undefined };
        const result = await d.deployments.undo(service!, environment!, to, by(body));
        return 'rollout' in result ? [201, result] : [200, { rollout: null, nothing: result.nothing }];
      },
    ],
    [
      'PUT',
      /^\/v1\/environments\/([^/]+)\/([^/]+)\/faults\/([^/]+)$/,
      async (_req, [service, environment, version], body) => {
        const faults = await d.deployments.setFaults(service!, environment!, version!, body);
        return [200, { service, environment, version, faults }];
      },
    ],
    [
      'GET',
      /^\/v1\/slo\/([^/]+)\/([^/]+)$/,
      async (req, [service, environment]) => {
        const q = requestUrl(req).searchParams;
        const slo = sloOf(q, d.samples.retentionMs);
        const at = q.has('at') ? new Date(q.get('at')!) : d.clock.now();
        if (Number.isNaN(at.getTime())) {
          throw new DeployError(
            400,
            `at "${q.get('at')}" is not an ISO 8601 time, e.g. 2026-11-24T10:00:00Z`,
          );
        }
        const source = new StoredCounterSource(
          d.store,
          { service: service!, environment: environment! },
          { maxGapMs: d.samples.maxGapMs },
        );
        return [200, await evaluateSlo(slo, source, at)];
      },
    ],
    [
      'GET',
      /^\/v1\/dora$/,
      async (req) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        const to = q.has('until') ? new Date(q.get('until')!) : d.clock.now();
        if (Number.isNaN(to.getTime()))
          throw new DeployError(400, `until "${q.get('until')}" is not an ISO 8601 time`);
        const from = sinceOf(q.get('since') ?? undefined, to);
        if (typeof from === 'string') throw new DeployError(400, from.replace('--since', 'since'));
        const service = q.get('service');
        return [200, await dora(d.store, { ...(service ? { service } : {}), from, to })];
      },
    ],
    [
      'GET',
      /^\/v1\/deployments$/,
      async (req) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        const limit = Number(q.get('limit') ?? 50);
        const list = await d.store.deployments({
          ...(q.get('service') ? { service: q.get('service')! } : {}),
          ...(q.get('environment') ? { environment: q.get('environment')! } : {}),
          limit: Number.isInteger(limit) && limit > 0 ? limit : 50,
        });
        return [200, { deployments: list }];
      },
    ],
    [
      'POST',
      /^\/v1\/alertmanager$/,
      async (req, _p, body) => {
        // alerts without a service label are the service given as ?service= (one webhook per service)
        const service = requestUrl(req).searchParams.get('service');
        if (service === '') throw new DeployError(400, 'service= must name a service');
        const mapping = service === null ? undefined : alertmanagerMapping({ defaultService: service });
        const result = fromAlertmanager(body, d.clock.now(), mapping);
        if (!result.ok) {
          throw new DeployError(
            400,
            'invalid Alertmanager payload',
            result.errors.map((e) => ({ field: e.path || '(payload)', message: formatPayloadIssue(e) })),
          );
        }
        const changed = await applyIncidentCommands(d.store, result.commands);
        for (const id of changed.opened) d.log(`incident opened from Alertmanager: ${id}`);
        for (const id of changed.resolved) d.log(`incident resolved from Alertmanager: ${id}`);
        // alerts mapped to rollback (ErrorRateCritical, CanaryHealthFailing) abort the rollout in flight
        const parsed = parseAlertmanagerPayload(body);
        const alerts = parsed.ok ? parsed.value.alerts : [];
        const rolledBack = await rollBackForAlerts(d, rollbackRequests(alerts, result.commands));
        return [200, { ...changed, rolledBack }];
      },
    ],
  ];
}

async function handle(d: ApiDeps, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const path = requestUrl(req).pathname;
    if (req.method === 'GET' && path === '/metrics') {
      const text = await controlPlaneMetrics(d.store);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return;
    }
    const matches = routes.filter(([, re]) => re.test(path));
    const route = matches.find(([method]) => method === req.method);
    // webhooks that cannot send headers (Flagger) carry the token in their metadata instead
    const inBody = route?.[3]?.tokenInMetadata === true;
    const denied = { error: 'missing or wrong token: send Authorization: Bearer <token>' };
    if (path !== '/v1/health' && !inBody && !authorized(req, d.token)) return refuse(req, res, 401, denied);
    if (matches.length === 0) return refuse(req, res, 404, { error: `no route ${path}` });
    if (!route) return refuse(req, res, 405, { error: `${req.method} is not allowed on ${path}` });
    const params = pathParams(route[1], path);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY)
      return refuse(req, res, 413, { error: `request body over ${MAX_BODY} bytes (1 MiB)` });
    const body = req.method === 'GET' ? undefined : await readJson(req);
    if (inBody && !authorized(req, d.token) && !sameToken(metadataToken(body) ?? '', d.token)) {
      return refuse(req, res, 401, { error: `${denied.error}, or metadata.token in the webhook's metadata` });
    }
    const [status, out] = await route[2](req, params, body);
    send(res, status, out);
  } catch (err) {
    if (err instanceof DeployError) {
      const out = { error: err.message, ...(err.issues.length > 0 ? { issues: err.issues } : {}) };
      if (err.status === 413) refuse(req, res, 413, out);
      else send(res, err.status, out);
    } else {
      d.log(`api error: ${(err as Error).stack ?? String(err)}`);
      send(res, 500, { error: (err as Error).message });
    }
  }
}

/** The SLO a query asks for (`objective`, `window`), refused with 400 when malformed or longer than the samples kept. */
function sloOf(q: URLSearchParams, retentionMs: number): Slo {
  const objectiveText = q.get('objective');
  const objective = objectiveText === null ? DEFAULT_SLO.objective : Number(objectiveText);
  if (objectiveText !== null && (objectiveText.trim() === '' || !Number.isFinite(objective))) {
    throw new DeployError(400, `objective "${objectiveText}" is not a number, e.g. 99.9`);
  }
  let slo: Slo;
  try {
    slo = defineSlo({ objective, window: q.get('window') ?? DEFAULT_SLO.window });
  } catch (err) {
    throw new DeployError(400, (err as Error).message);
  }
  if (slo.windowMs > retentionMs) {
    throw new DeployError(
      400,
      `slo window ${slo.window} is longer than the ${formatDays(retentionMs)} of samples the control plane keeps`,
    );
  }
  return slo;
}

function formatDays(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days}d` : `${Number((ms / 3_600_000).toPrecision(4))}h`;
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  return sameToken(header.startsWith('Bearer ') ? header.slice(7) : '', token);
}

function sameToken(text: string, token: string): boolean {
  const given = Buffer.from(text);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  // read to the end even past the limit (discarding it), so the client gets the answer, not a reset
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY) throw new DeployError(413, `request body over ${MAX_BODY} bytes (1 MiB)`);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new DeployError(400, `request body is not JSON: ${jsonErrorReason(err)}`);
  }
}

/**
 * The decoded path parameters, each checked by what it names: services and environments as a
 * rollout request names them, versions as releases are versioned, rollout ids as ids are made.
 */
function pathParams(route: RegExp, path: string): string[] {
  const raw = (route.exec(path) ?? []).slice(1);
  const names = ROUTE_PARAMS.find(([re]) => re === route.source)?.[1] ?? [];
  return raw.map((p, i) => {
    let value: string;
    try {
      value = decodeURIComponent(p);
    } catch {
      throw new DeployError(400, `path segment "${p}" is not valid percent-encoding`);
    }
    const kind = names[i] ?? 'name';
    const rule = kind === 'version' ? VERSION : kind === 'id' ? ROLLOUT_ID : NAME;
    if (!rule.test(value)) {
      throw new DeployError(
        400,
        `${kind === 'name' ? 'service or environment' : kind} "${value}" must match ${rule.source}`,
      );
    }
    return value;
  });
}

const ROLLOUT_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;

/** What each parameter of a parameterised route names (by the route's source), in order. */
const ROUTE_PARAMS: readonly [string, readonly ('name' | 'version' | 'id')[]][] = [
  ['^\\/v1\\/rollouts\\/([^/]+)$', ['id']],
  ['^\\/v1\\/environments\\/([^/]+)\\/([^/]+)\\/faults\\/([^/]+)$', ['name', 'name', 'version']],
];

/**
 * Answers once the client has finished sending, discarding the body, so it reads the answer
 * instead of a connection reset.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  res.setHeader('connection', 'close');
  if (req.readableEnded || req.complete) return send(res, status, body);
  const answer = () => {
    clearTimeout(timer);
    if (!res.headersSent) send(res, status, body);
  };
  // a client that never finishes sending gets the answer after a while anyway
  const timer = setTimeout(answer, 10_000);
  req.once('end', answer);
  req.once('error', answer);
  req.resume();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request's URL; a path starting with `//` stays a path (not a host), and never throws. */
function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(`http://x${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
  } catch {
    throw new DeployError(400, `request target "${String(req.url).slice(0, 100)}" is not a valid path`);
  }
}
