import {
  type Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A real node:http backend on 127.0.0.1 that counts what reaches it; for the router's tests. */
export interface TestBackend {
  readonly name: string;
  readonly port: number;
  readonly target: string;
  readonly server: Server;
  /** Requests and TCP connections received so far. */
  readonly stats: { requests: number; connections: number; closedConnections: number };
  close(): Promise<void>;
}

/** Starts a backend; the default handler answers 200 with its name and an `x-backend` header. */
export async function startBackend(name: string, handler?: RequestListener): Promise<TestBackend> {
  const stats = { requests: 0, connections: 0, closedConnections: 0 };
  const sockets = new Set<Socket>();
  const answer: RequestListener =
    handler ??
    ((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'x-backend': name, 'content-type': 'text/plain' }).end(name));
    });
  const server = createServer((req, res) => {
    stats.requests++;
    answer(req, res);
  });
  server.on('connection', (s: Socket) => {
    stats.connections++;
    sockets.add(s);
    s.on('close', () => {
      stats.closedConnections++;
      sockets.delete(s);
    });
  });
  const port = await listen(server);
  return {
    name,
    port,
    target: `127.0.0.1:${port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A backend that accepts any `Upgrade:` request with 101 and then echoes raw bytes back. */
export async function startUpgradeEcho(name: string): Promise<TestBackend> {
  const backend = await startBackend(name);
  backend.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    backend.stats.requests++;
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n` +
        `x-backend: ${name}\r\nx-seen-forwarded-for: ${req.headers['x-forwarded-for']}\r\n\r\n`,
    );
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
    socket.on('error', () => socket.destroy());
  });
  return backend;
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What a test request got back. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Sends one request to 127.0.0.1:`port` and collects the whole reply. */
export function send(
  port: number,
  options: {
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: Agent;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ...(options.agent ? { agent: options.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}
