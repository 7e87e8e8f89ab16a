import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the test server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the test server answers; `delayMs` holds the answer back, `hang` never sends it. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly delayMs?: number;
  readonly hang?: boolean;
}

/** A real HTTP server on 127.0.0.1 and a free port, answering with `route(request)`. */
export interface TestServer {
  readonly base: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server whose answers come from `route`; every request is kept in `seen`. */
export async function startTestServer(route: (req: SeenRequest) => Reply): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params = new URLSearchParams(url.search);
      if (req.headers['content-type'] === 'application/x-www-form-urlencoded') {
        for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
      }
      const request = { method: req.method ?? '', path: url.pathname, params, headers: req.headers, body };
      seen.push(request);
      const reply = route(request);
      if (reply.hang) return;
      const send = () =>
        res
          .writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' })
          .end(reply.body);
      if (!reply.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, reply.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A base URL where nothing listens (a port that was free a moment ago). */
export async function deadAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
