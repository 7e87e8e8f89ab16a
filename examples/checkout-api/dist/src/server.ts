/** HTTP API of the checkout service. Run directly (`node src/server.ts`) to listen on 127.0.0.1:$PORT. */
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createDbClient } from './db-client.ts';
import type { DbClient } from './db-client.ts';
import { PricingError, getProduct, quote } from './pricing.ts';
import type { LineItem } from './pricing.ts';

export interface ServerOptions {
  /** Reported by /health; defaults to $RELEASE_VERSION, then "dev". */
  version?: string;
  /** Orders are stored here; defaults to $DB_PORT. Without it, POST /v1/orders answers 503. */
  dbPort?: number;
}

const MAX_BODY_BYTES = 64 * 1024;

class HttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk); // past the limit: drain, then answer 413
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES)
        reject(new HttpError(413, 'body_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body must be valid JSON');
  }
}

async function readItems(req: IncomingMessage): Promise<LineItem[]> {
  const body = await readJson(req);
  if (typeof body !== 'object' || body === null || !('items' in body) || !Array.isArray(body.items)) {
    throw new HttpError(400, 'invalid_body', 'body must be a JSON object with an "items" array');
  }
  return body.items as LineItem[]; // quote() validates each line
}

function parseDbPort(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid DB_PORT: ${value}`);
  return port;
}

export function createServer(options: ServerOptions = {}): Server {
  const version = options.version ?? process.env.RELEASE_VERSION ?? 'dev';
  const dbPort = 'dbPort' in options ? options.dbPort : parseDbPort(process.env.DB_PORT);
  const db: DbClient | undefined = dbPort === undefined ? undefined : createDbClient({ port: dbPort });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const priceMatch = /^\/v1\/prices\/([^/]+)$/.exec(pathname);

    if (req.method === 'GET' && pathname === '/health') {
      return sendJson(res, 200, { status: 'healthy', version });
    }
    if (req.method === 'GET' && priceMatch) {
      const sku = decodeURIComponent(priceMatch[1] ?? '');
      const product = getProduct(sku);
      if (!product) throw new HttpError(404, 'unknown_sku', `unknown SKU ${JSON.stringify(sku)}`);
      return sendJson(res, 200, { ...product, currency: 'USD' });
    }
    if (req.method === 'POST' && pathname === '/v1/cart/quote') {
      return sendJson(res, 200, quote(await readItems(req)));
    }
    if (req.method === 'POST' && pathname === '/v1/orders') {
      if (!db) throw new HttpError(503, 'orders_unavailable', 'orders are disabled: DB_PORT is not set');
      const order = quote(await readItems(req));
      const id = randomUUID();
      try {
        await db.set(`order:${id}`, JSON.stringify(order));
      } catch (err) {
        throw new HttpError(502, 'db_unavailable', `could not store the order: ${(err as Error).message}`);
      }
      return sendJson(res, 201, { id, ...order });
    }
    throw new HttpError(404, 'not_found', `no route for ${req.method} ${pathname}`);
  }

  return http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError)
        return sendJson(res, err.status, { error: err.code, message: err.message });
      if (err instanceof PricingError) return sendJson(res, 400, { error: err.code, message: err.message });
      if (err instanceof URIError) return sendJson(res, 400, { error: 'bad_request', message: err.message });
      console.error(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal server error' });
    });
  });
}

/** Listens on 127.0.0.1 and closes gracefully on SIGTERM/SIGINT. Resolves with the bound port. */
export async function start(port: number, server: Server = createServer()): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const stopListening = (): void => {
    process.off('SIGTERM', shutdown);
    process.off('SIGINT', shutdown);
  };
  const shutdown = (signal: NodeJS.Signals): void => {
    console.log(`${signal} received, closing checkout-api`);
    stopListening();
    server.close(() => console.log('checkout-api closed'));
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  server.once('close', stopListening);
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(`checkout-api listening on http://127.0.0.1:${bound}`);
  return bound;
}

const isMain = process.argv[1] !== undefined && realpathSync(process.argv[1]) === import.meta.filename;
if (isMain) await start(Number(process.env.PORT || 4000));
