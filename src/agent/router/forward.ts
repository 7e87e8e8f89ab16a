import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { BackendConnection, BackendPool, ConnectionUser, PoolEntry } from './backend-pool.ts';
import { requestHeaders, responseHeaders } from './headers.ts';
import { ResponseParser, type ResponseHandlers, type ResponseHead } from './response-parser.ts';

/** Errors that mean "the backend closed a kept-alive connection as we reused it": worth one retry. */
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Who hears about a backend failure that a retry could not hide. */
export interface ExchangeOwner {
  backendFailed(err: NodeJS.ErrnoException): void;
}

/**
 * One request relayed to one backend over a pooled keep-alive connection, its response streamed into
 * `res` with backpressure both ways. A request without a body whose reused connection turns out to be
 * closed is retried once on a fresh one; any other failure goes to the owner.
 */
export class BackendExchange implements ConnectionUser, ResponseHandlers {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #pool: BackendPool;
  readonly #entry: PoolEntry;
  readonly #versionHeader: readonly [string, string] | undefined;
  readonly #owner: ExchangeOwner;
  readonly #framing: 'none' | 'length' | 'chunked';
  #conn: BackendConnection | undefined;
  #parser: ResponseParser | undefined;
  #retries = 1;
  #requestDone: boolean;
  #over = false;
  #ended = false;
  #received = false;
  #idleMs: number | undefined;
  #pending: Buffer[] = [];
  #stopBody: (() => void) | undefined;
  #resume: (() => void) | undefined;

  /** Prepares the exchange; start() sends it. */
  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    pool: BackendPool,
    entry: PoolEntry,
    versionHeader: readonly [string, string] | undefined,
    owner: ExchangeOwner,
  ) {
    this.#req = req;
    this.#res = res;
    this.#pool = pool;
    this.#entry = entry;
    this.#versionHeader = versionHeader;
    this.#owner = owner;
    this.#framing = bodyFraming(req.rawHeaders);
    this.#requestDone = this.#framing === 'none';
  }

  /** Sends the request head (and streams the body) on a pooled connection. */
  start(): void {
    const conn = this.#pool.take(this.#entry);
    this.#conn = conn;
    this.#received = false;
    this.#parser = new ResponseParser(this, this.#req.method === 'HEAD');
    conn.lend(this);
    conn.socket.write(requestHead(this.#req, this.#entry.target), 'latin1');
    if (this.#framing !== 'none') {
      this.#stopBody = sendBody(
        this.#req,
        conn.socket,
        this.#framing === 'chunked',
        () => (this.#requestDone = true),
      );
    }
  }

  /** Abandons the exchange (the client went away): the backend connection is closed. */
  cancel(): void {
    if (this.#over) return;
    this.#over = true;
    this.#drop();
  }

  /** @internal bytes from the backend */
  data(chunk: Buffer): void {
    this.#received = true;
    try {
      (this.#parser as ResponseParser).execute(chunk);
    } catch (err) {
      if (this.#ended) this.#conn?.socket.destroy();
      else return this.#fail(err as NodeJS.ErrnoException);
    }
    this.#flush();
  }

  /** @internal the backend closed the connection */
  closed(): void {
    if (this.#over) return;
    if (!this.#received) {
      return this.#fail(Object.assign(new Error('backend closed the connection'), { code: 'ECONNRESET' }));
    }
    try {
      (this.#parser as ResponseParser).finish();
    } catch (err) {
      return this.#fail(err as NodeJS.ErrnoException);
    }
    this.#flush();
  }

  /** @internal a socket error */
  error(err: NodeJS.ErrnoException): void {
    this.#fail(err);
  }

  /** @internal the backend connection can take more of the request body */
  drain(): void {
    this.#req.resume();
  }

  /** @internal the response head was parsed */
  head(h: ResponseHead): void {
    const ms = h.keepAliveMs;
    this.#idleMs = ms === undefined ? undefined : Math.max(ms / 2, ms - 1000);
    const headers = responseHeaders(h.rawHeaders, this.#versionHeader, h.transferEncoded);
    this.#res.writeHead(h.status, h.statusText || STATUS_CODES[h.status] || 'Unknown', headers);
  }

  /** @internal a slice of the response body */
  body(chunk: Buffer): void {
    this.#pending.push(chunk);
  }

  /** @internal the response is complete */
  end(reusable: boolean): void {
    this.#over = true;
    this.#ended = true;
    this.#stopBody?.();
    this.#pool.give(this.#conn as BackendConnection, reusable && this.#requestDone, this.#idleMs);
  }

  /** Writes what one read produced in one go, so a small response leaves in a single write. */
  #flush(): void {
    const pending = this.#pending;
    const data =
      pending.length === 0 ? undefined : pending.length === 1 ? pending[0] : Buffer.concat(pending);
    pending.length = 0;
    if (this.#ended) {
      this.#res.end(data);
    } else if (data && !this.#res.write(data)) {
      const socket = (this.#conn as BackendConnection).socket;
      socket.pause();
      this.#res.once('drain', (this.#resume ??= () => socket.resume()));
    }
  }

  #fail(err: NodeJS.ErrnoException): void {
    if (this.#over) return;
    const conn = this.#conn as BackendConnection;
    const retryable =
      conn.served > 0 && this.#framing === 'none' && !this.#received && RETRYABLE.has(err.code ?? '');
    this.#drop();
    if (retryable && this.#retries-- > 0) return this.start();
    this.#over = true;
    this.#owner.backendFailed(err);
  }

  #drop(): void {
    this.#stopBody?.();
    this.#pending.length = 0;
    this.#conn?.reclaim();
    this.#conn?.socket.destroy();
  }
}

/**
 * How the request body is framed, read from the raw headers (Node builds `req.headers` lazily, and the
 * hot path never needs it): none, a non-zero Content-Length, or a Transfer-Encoding (chunked).
 */
export function bodyFraming(raw: readonly string[]): 'none' | 'length' | 'chunked' {
  let framing: 'none' | 'length' | 'chunked' = 'none';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return 'chunked';
    if (name.length === 14 && name.toLowerCase() === 'content-length' && raw[i + 1] !== '0')
      framing = 'length';
  }
  return framing;
}

function requestHead(req: IncomingMessage, target: string): string {
  const headers = requestHeaders(req.rawHeaders, req.socket.remoteAddress, target);
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/** Streams the request body to the backend, re-chunked when it came without a length; returns a stop function. */
function sendBody(req: IncomingMessage, socket: Socket, chunked: boolean, done: () => void): () => void {
  const onData = (chunk: Buffer) => {
    let ok: boolean;
    if (chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n');
      socket.uncork();
    } else {
      ok = socket.write(chunk);
    }
    if (!ok) req.pause();
  };
  const onEnd = () => {
    if (chunked) socket.write('0\r\n\r\n');
    done();
  };
  req.on('data', onData);
  req.on('end', onEnd);
  return () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.resume();
  };
}
