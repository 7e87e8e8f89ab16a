import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestMetrics } from '../metrics/request-metrics.ts';
import { BackendPool } from './backend-pool.ts';
import { decideFault, isActive, validateFaults, type FaultDecision, type Faults } from './faults.ts';
import { requestHeaders } from './headers.ts';
import type { Random } from './picker.ts';
import {
  CLIENT_CLOSED,
  internalError,
  ProxiedRequest,
  sendJson,
  type ProxyContext,
} from './proxied-request.ts';
import { RouteTable } from './route-table.ts';
import { validateRoutes, type Routes } from './routes.ts';
import { openTunnel } from './upgrade-tunnel.ts';

/** How a WeightedProxy is built; everything but the routes has a default. */
export interface ProxyOptions {
  /** Initial routes (validated like setRoutes); without them every request gets 503 until setRoutes. */
  readonly routes?: unknown;
  /** Where requests are recorded; share one between the proxies of several services. */
  readonly metrics?: RequestMetrics;
  /** Draws for weights and fault ratios, in [0, 1). Default Math.random. */
  readonly random?: Random;
  /** Serve the metrics on this path of the public port too (e.g. `/_runway/metrics`). Default: off. */
  readonly metricsPath?: string;
  /** Name of the debug header carrying the version, when the routes enable it. */
  readonly versionHeader?: string;
  /** Recorded as the `environment` label of this proxy's metrics (when one service runs in several). */
  readonly environment?: string;
}

const FORWARD: FaultDecision = { delayMs: 0, outcome: 'forward' };

/**
 * The weighted HTTP/1.1 reverse proxy of one service. Routes swap atomically: a request keeps the
 * backend it was given, and a backend's pool is closed only once its last request is done.
 */
export class WeightedProxy {
  readonly metrics: RequestMetrics;
  readonly #server: Server;
  readonly #pool = new BackendPool();
  readonly #faults = new Map<string, Faults>();
  readonly #tunnels = new Set<Duplex>();
  readonly #random: Random;
  readonly #metricsPath: string | undefined;
  readonly #versionHeader: string;
  readonly #context: ProxyContext;
  readonly #environment: string | undefined;
  #table: RouteTable | undefined;

  /** Checks the options and the initial routes; throws on bad ones, never later per request. */
  constructor(options: ProxyOptions = {}) {
    if (options.metricsPath !== undefined && !/^\/\S*$/.test(options.metricsPath)) {
      throw new RangeError(
        `metricsPath must start with "/" and have no spaces, got "${options.metricsPath}"`,
      );
    }
    const versionHeader = options.versionHeader ?? 'X-Runway-Version';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(versionHeader)) {
      throw new RangeError(`versionHeader must be a header name, got "${versionHeader}"`);
    }
    this.metrics = options.metrics ?? new RequestMetrics();
    this.#random = options.random ?? Math.random;
    this.#metricsPath = options.metricsPath;
    this.#versionHeader = versionHeader;
    this.#environment = options.environment;
    this.#context = { pool: this.#pool, metrics: this.metrics, environment: options.environment };
    if (options.routes !== undefined) this.setRoutes(options.routes);
    this.#server = createServer(this.#onRequest);
    this.#server.on('upgrade', this.#onUpgrade);
  }

  /** Starts serving on `port` (0 picks a free one) of `host`; resolves to the bound port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** Validates and installs new routes in one step; throws a RoutesError and keeps the old ones if invalid. */
  setRoutes(input: unknown): Routes {
    const routes = validateRoutes(input);
    const table = new RouteTable(routes, this.#pool, this.#versionHeader);
    this.#table = table;
    this.#pool.retainOnly(table.targets());
    return routes;
  }

  /** Takes every route away: requests get 503 `no routes` until the next setRoutes; pools drain and close. */
  clearRoutes(): void {
    this.#table = undefined;
    this.#pool.retainOnly(new Set());
  }

  /** The routes in force, or undefined before the first setRoutes (or after clearRoutes). */
  getRoutes(): Routes | undefined {
    return this.#table?.routes;
  }

  /** Sets the faults of `version` from now on (missing fields are 0); `undefined` clears them. */
  setFaults(version: string, faults: Partial<Faults> | undefined): void {
    const valid = validateFaults(faults ?? {});
    if (isActive(valid)) this.#faults.set(version, valid);
    else this.#faults.delete(version);
  }

  /** The faults of `version` in force, if any. */
  getFaults(version: string): Faults | undefined {
    return this.#faults.get(version);
  }

  /** Backend addresses with an open connection pool, including retired ones still draining. */
  openPools(): string[] {
    return this.#pool.targets();
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes every connection,
   * tunnel and pool.
   */
  async close(graceMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    for (const t of this.#tunnels) t.destroy();
    const timer = setTimeout(() => this.#server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    this.#pool.destroy();
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      this.#handle(req, res);
    } catch (err) {
      internalError(res, err);
    }
  };

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.#metricsPath !== undefined && isPath(req.url, this.#metricsPath)) {
      this.metrics.metricsHandler(req, res);
      return;
    }
    const table = this.#table;
    if (!table) {
      sendJson(res, 503, { error: 'no routes' }, undefined);
      return;
    }
    const started = performance.now();
    const backend = table.choose(req, this.#random);
    const faults = this.#faults.get(backend.version);
    const decision = faults ? decideFault(faults, this.#random) : FORWARD;
    new ProxiedRequest(this.#context, req, res, table.routes.service, backend, started).run(decision);
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      this.#upgrade(req, socket, head);
    } catch {
      socket.destroy();
    }
  };

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const table = this.#table;
    socket.on('error', () => socket.destroy());
    if (!table) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    const started = performance.now();
    const { version, pool } = table.choose(req, this.#random);
    const service = table.routes.service;
    const record = (code: number) =>
      this.metrics.record(service, version, code, (performance.now() - started) / 1000, this.#environment);
    const extraHeaderLine = table.routes.addVersionHeader ? `${this.#versionHeader}: ${version}` : undefined;
    const faults = this.#faults.get(version);
    const decision = faults ? decideFault(faults, this.#random) : FORWARD;
    const act = () => {
      if (socket.destroyed) return record(CLIENT_CLOSED);
      if (decision.outcome === 'abort') {
        record(502);
        socket.destroy();
        return;
      }
      if (decision.outcome === 'error') {
        record(500);
        const extra = extraHeaderLine ? `${extraHeaderLine}\r\n` : '';
        socket.end(
          `HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n${extra}\r\n`,
        );
        return;
      }
      const headers = requestHeaders(
        req.rawHeaders,
        req.socket.remoteAddress,
        pool.target,
        req.headers.upgrade,
      );
      let requestHead = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < headers.length; i += 2) requestHead += `${headers[i]}: ${headers[i + 1]}\r\n`;
      this.#tunnels.add(socket);
      socket.once('close', () => this.#tunnels.delete(socket));
      openTunnel(socket, {
        host: pool.host,
        port: pool.port,
        requestHead: `${requestHead}\r\n`,
        firstBytes: head,
        onStatus: record,
        ...(extraHeaderLine ? { extraHeaderLine } : {}),
      });
    };
    if (decision.delayMs <= 0) return act();
    setTimeout(() => {
      try {
        act();
      } catch {
        socket.destroy();
      }
    }, decision.delayMs);
  }
}

function isPath(url: string | undefined, path: string): boolean {
  return url === path || (url !== undefined && url.startsWith(path) && url[path.length] === '?');
}
