import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestMetrics } from '../metrics/request-metrics.ts';
import type { BackendPool } from './backend-pool.ts';
import type { FaultDecision } from './faults.ts';
import { BackendExchange, type ExchangeOwner } from './forward.ts';
import type { RoutedBackend } from './route-table.ts';

/** Status recorded when the client went away before its response was complete (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** What every request of one proxy shares. */
export interface ProxyContext {
  readonly pool: BackendPool;
  readonly metrics: RequestMetrics;
  /** The `environment` label of every request recorded, if any. */
  readonly environment?: string | undefined;
}

/**
 * One client request from the moment its backend is chosen: applies the fault decision, relays it,
 * and records it once, when its response is finished or abandoned.
 */
export class ProxiedRequest implements ExchangeOwner {
  readonly #ctx: ProxyContext;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #service: string;
  readonly #backend: RoutedBackend;
  readonly #started: number;
  #failedCode = 0;
  #exchange: BackendExchange | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** Takes a share of the backend's pool until the response closes. */
  constructor(
    ctx: ProxyContext,
    req: IncomingMessage,
    res: ServerResponse,
    service: string,
    backend: RoutedBackend,
    started: number,
  ) {
    this.#ctx = ctx;
    this.#req = req;
    this.#res = res;
    this.#service = service;
    this.#backend = backend;
    this.#started = started;
    ctx.pool.acquire(backend.pool);
    res.on('close', this.#closed);
  }

  /** Carries out `decision` now, or after its delay. */
  run(decision: FaultDecision): void {
    if (decision.delayMs <= 0) return this.#act(decision);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.#act(decision);
      } catch (err) {
        internalError(this.#res, err);
      }
    }, decision.delayMs);
  }

  /** @internal the backend failed: 502 if nothing was sent yet, else cut the client off */
  backendFailed(err: NodeJS.ErrnoException): void {
    this.#failedCode = 502;
    const res = this.#res;
    if (res.headersSent) res.destroy();
    else {
      const body = { error: 'bad gateway', version: this.#backend.version, reason: err.code ?? err.message };
      sendJson(res, 502, body, this.#backend.versionHeader);
    }
  }

  #act(decision: FaultDecision): void {
    const res = this.#res;
    if (res.destroyed) return;
    if (decision.outcome === 'abort') {
      this.#failedCode = 502;
      this.#req.socket.destroy();
    } else if (decision.outcome === 'error') {
      const body = { error: 'injected fault', version: this.#backend.version };
      sendJson(res, 500, body, this.#backend.versionHeader);
    } else {
      const b = this.#backend;
      this.#exchange = new BackendExchange(this.#req, res, this.#ctx.pool, b.pool, b.versionHeader, this);
      this.#exchange.start();
    }
  }

  readonly #closed = (): void => {
    const res = this.#res;
    if (this.#timer) clearTimeout(this.#timer);
    const finished = res.writableFinished;
    if (!finished) this.#exchange?.cancel();
    this.#ctx.pool.release(this.#backend.pool);
    const code = finished ? res.statusCode : this.#failedCode || CLIENT_CLOSED;
    this.#ctx.metrics.record(
      this.#service,
      this.#backend.version,
      code,
      (performance.now() - this.#started) / 1000,
      this.#ctx.environment,
    );
  };
}

/** Answers with a short JSON body (and the version header, if any). */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: Record<string, string>,
  versionHeader: readonly [string, string] | undefined,
): void {
  const text = `${JSON.stringify(body)}\n`;
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  if (versionHeader) headers[versionHeader[0]] = versionHeader[1];
  res.writeHead(code, headers).end(text);
}

/** Answers 500 for a bug in the router itself, or cuts the client off if the response has begun. */
export function internalError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const reason = err instanceof Error ? err.message : String(err);
  sendJson(res, 500, { error: 'router internal error', reason }, undefined);
}
