import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from './agent.ts';
import { DesiredError } from './desired.ts';
import { PortInUseError, StaleFenceError, UnknownSiteError } from './errors.ts';
import { jsonErrorReason } from '../engine/json-error.ts';

/** How the admin API is built. */
export interface AdminApiOptions {
  readonly agent: Agent;
  /** Every `/v1/*` request must carry `Authorization: Bearer <token>`. */
  readonly token: string;
  /** Reported by `/v1/health`. */
  readonly version: string;
  /** Called after `POST /v1/shutdown` has been answered. */
  readonly onShutdown?: () => void;
}

/** An answer of the API that is not a success: a status, a message and the problems found. */
export class ApiError extends Error {
  readonly status: number;
  readonly issues: readonly string[];

  constructor(status: number, message: string, issues: readonly string[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.issues = issues;
  }
}

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 1 << 20;

type Handler = (
  params: readonly string[],
  body: () => Promise<unknown>,
  fence: number | undefined,
) => Promise<unknown> | unknown;

/** Header carrying a control plane's fencing token on writes (`x-runway-fence: 7`). */
export const FENCE_HEADER = 'x-runway-fence';

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

const SEGMENT = '([^/]+)';

/**
 * The agent's admin API on 127.0.0.1: JSON in and out, a bearer token on every `/v1/*` route, and
 * `GET /metrics` open to anyone who can reach the port (read-only Prometheus text).
 */
export class AdminApi {
  readonly #options: AdminApiOptions;
  readonly #server: Server;
  readonly #token: Buffer;
  readonly #routes: readonly Route[];

  /** Throws on an empty token: misconfiguration fails here, never per request. */
  constructor(options: AdminApiOptions) {
    if (options.token.length === 0) throw new RangeError('token must not be empty');
    this.#options = options;
    this.#token = digest(options.token);
    this.#routes = this.#table();
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** Starts listening on 127.0.0.1 (`port` 0 picks a free one); resolves to the bound port. */
  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting and closes every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #table(): Route[] {
    const agent = this.#options.agent;
    const site = `^/v1/sites/${SEGMENT}/${SEGMENT}`;
    const route = (method: string, pattern: string, handler: Handler): Route => ({
      method,
      pattern: new RegExp(`${pattern}$`),
      handler,
    });
    return [
      route('GET', '^/v1/health', () => ({ ok: true, pid: process.pid, version: this.#options.version })),
      route('GET', '^/v1/sites', () => ({ sites: agent.status() })),
      route('GET', site, ([s, e]) => agent.siteStatus(s as string, e as string)),
      route('PUT', site, async ([s, e], body, fence) =>
        agent.apply(withSite(await body(), s as string, e as string), fence),
      ),
      route('DELETE', site, async ([s, e]) => {
        await agent.remove(s as string, e as string);
        return { removed: `${s}/${e}` };
      }),
      route('PUT', `${site}/weights`, async ([s, e], body, fence) => {
        const input = await body();
        const weights = isObject(input) && Object.keys(input).length === 1 ? input.weights : undefined;
        if (weights === undefined) throw new ApiError(400, 'body must be {"weights": {...}}');
        return agent.setWeights(s as string, e as string, weights, fence);
      }),
      route('PUT', `${site}/faults/${SEGMENT}`, async ([s, e, v], body) =>
        agent.setFaults(s as string, e as string, v as string, await body()),
      ),
      route('GET', `${site}/snapshot`, ([s, e]) => ({ snapshot: agent.snapshot(s as string, e as string) })),
      route('POST', '^/v1/shutdown', () => {
        setImmediate(() => this.#options.onShutdown?.());
        return { ok: true, stopping: true };
      }),
    ];
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://agent').pathname;
      if (path === '/metrics') return this.#options.agent.metrics.metricsHandler(req, res);
      if (!path.startsWith('/v1/')) throw new ApiError(404, `no route ${req.method} ${path}`);
      if (!this.#authorized(req)) throw new ApiError(401, 'missing or wrong bearer token');
      const matches = this.#routes.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m);
      const hit = matches.find((x) => x.r.method === req.method);
      if (!hit) {
        if (matches.length === 0) throw new ApiError(404, `no route ${req.method} ${path}`);
        res.setHeader('allow', matches.map((x) => x.r.method).join(', '));
        throw new ApiError(405, `method ${req.method} not allowed on ${path}`);
      }
      const params = (hit.m as RegExpExecArray).slice(1).map(decode);
      const result = await hit.r.handler(params, () => readJson(req), fenceOf(req));
      send(res, 200, result);
    } catch (err) {
      const e = toApiError(err);
      send(res, e.status, { error: e.message, issues: e.issues });
    }
  }

  #authorized(req: IncomingMessage): boolean {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1] as string), this.#token);
  }
}

/** The status and body every error becomes. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DesiredError) return new ApiError(400, err.message, err.issues);
  if (err instanceof UnknownSiteError) return new ApiError(404, err.message);
  if (err instanceof PortInUseError) return new ApiError(409, err.message);
  if (err instanceof StaleFenceError) return new ApiError(409, err.message);
  return new ApiError(500, `internal error: ${(err as Error).message ?? String(err)}`);
}

function fenceOf(req: IncomingMessage): number | undefined {
  const raw = req.headers[FENCE_HEADER];
  if (raw === undefined) return undefined;
  const fence = Number(raw);
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(fence)) {
    throw new ApiError(400, `${FENCE_HEADER} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return fence;
}

function withSite(body: unknown, service: string, environment: string): unknown {
  if (!isObject(body)) return body;
  const issues: string[] = [];
  if (body.service !== undefined && body.service !== service) {
    issues.push(`service ${JSON.stringify(body.service)} differs from the URL's "${service}"`);
  }
  if (body.environment !== undefined && body.environment !== environment) {
    issues.push(`environment ${JSON.stringify(body.environment)} differs from the URL's "${environment}"`);
  }
  if (issues.length > 0) throw new DesiredError(issues);
  return { ...body, service, environment };
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, `body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new ApiError(400, `body is not JSON: ${jsonErrorReason(err)}`));
      }
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.destroy();
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `bad path segment ${segment}`);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
