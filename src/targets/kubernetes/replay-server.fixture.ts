import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One event of a recorded watch stream (Kubernetes `WatchEvent`). */
export interface RecordedEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: unknown;
}

/**
 * One recorded exchange: the request the API server expects (method, path, the query parameters
 * that matter, the content type of a body) and its answer: a JSON body, or a watch stream of
 * events that ends (`hold: false`) or stays open like a real watch (`hold: true`).
 */
export interface Exchange {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The exact path, or a pattern for names the client generates. */
  readonly path: string | RegExp;
  readonly query?: Readonly<Record<string, string>>;
  readonly contentType?: string;
  /** A plain-text answer (a pod log) instead of a JSON body. */
  readonly text?: string;
  readonly status?: number;
  readonly body?: unknown;
  readonly events?: readonly RecordedEvent[];
  readonly hold?: boolean;
}

/** A request the replay server received. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly matched: boolean;
}

/** A running replay of a recorded Kubernetes API conversation, and a kubeconfig pointing at it. */
export interface Replay {
  readonly url: string;
  readonly kubeconfig: string;
  readonly received: Received[];
  /** Adds exchanges to the script (the next phase of a recorded conversation). */
  push(...exchanges: Exchange[]): void;
  /** Sends events on the open watches of `path` (as the API server would), and ends them if asked. */
  emit(path: string, events: readonly RecordedEvent[], end?: boolean): void;
  /** Resolves once a received request satisfies `match` (fails after 10 s). */
  seen(match: (r: Received) => boolean): Promise<void>;
  /** Exchanges not asked for yet. */
  pending(): Exchange[];
  /** Requests that matched nothing in the script. */
  unexpected(): Received[];
  close(): Promise<void>;
}

export const REPLAY_TOKEN = 'replay-token-not-a-secret';

/**
 * Starts an HTTP server on 127.0.0.1 (port 0) that answers Kubernetes API requests from a script.
 * Requests are matched to the first unused exchange with the same method and path whose query
 * parameters agree; anything else is answered 500 and recorded as unexpected.
 */
export async function startReplay(script: readonly Exchange[]): Promise<Replay> {
  const queue: Exchange[] = [...script];
  const received: Received[] = [];
  const open = new Map<ServerResponse, string>();
  const server: Server = createServer((req, res) => {
    void answer(req, res);
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://replay');
    const query = Object.fromEntries(url.searchParams);
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type']?.split(';')[0];
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const index = queue.findIndex(
      (x) =>
        x.method === req.method &&
        (typeof x.path === 'string' ? x.path === url.pathname : x.path.test(url.pathname)) &&
        Object.entries(x.query ?? {}).every(([k, v]) => query[k] === v) &&
        (x.contentType === undefined || x.contentType === contentType),
    );
    const authorised = req.headers.authorization === `Bearer ${REPLAY_TOKEN}`;
    received.push({
      method: req.method ?? '',
      path: url.pathname,
      query,
      contentType,
      body,
      matched: index >= 0 && authorised,
    });
    if (!authorised) return json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (index < 0) {
      return json(res, 500, status(500, 'InternalError', `replay: unexpected ${req.method} ${req.url}`));
    }
    const [exchange] = queue.splice(index, 1) as [Exchange];
    if (exchange.text !== undefined) {
      res.writeHead(exchange.status ?? 200, { 'content-type': 'text/plain' });
      res.end(exchange.text);
      return;
    }
    if (exchange.events === undefined) return json(res, exchange.status ?? 200, exchange.body);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    for (const event of exchange.events) res.write(`${JSON.stringify(event)}\n`);
    if (exchange.hold === true) {
      open.set(res, url.pathname);
      res.on('close', () => open.delete(res));
    } else {
      res.end();
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'runway-kube-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: replay, cluster: { server: "' + url + '", insecure-skip-tls-verify: true } }]',
      `users: [{ name: runway, user: { token: ${REPLAY_TOKEN} } }]`,
      'contexts: [{ name: replay, context: { cluster: replay, user: runway, namespace: production } }]',
      'current-context: replay',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    received,
    push: (...exchanges) => queue.push(...exchanges),
    emit: (path, events, end = false) => {
      for (const [res, watched] of open) {
        if (watched !== path) continue;
        for (const event of events) res.write(`${JSON.stringify(event)}\n`);
        if (end) res.end();
      }
    },
    seen: async (match) => {
      const deadline = Date.now() + 10_000;
      while (!received.some(match)) {
        if (Date.now() > deadline) throw new Error('replay: the expected request never came');
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    pending: () => [...queue],
    unexpected: () => received.filter((r) => !r.matched),
    close: async () => {
      for (const res of open.keys()) res.end();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A `metav1.Status` failure, as the API server sends it. */
export function status(code: number, reason: string, message: string, details?: unknown): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}
