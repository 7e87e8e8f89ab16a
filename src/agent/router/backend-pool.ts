import { connect, type Socket } from 'node:net';
import { parseTarget } from './routes.ts';

/** What the request currently using a connection wants to hear about it. */
export interface ConnectionUser {
  data(chunk: Buffer): void;
  /** The backend ended or closed the connection. */
  closed(): void;
  error(err: NodeJS.ErrnoException): void;
  drain(): void;
}

/** Idle keep-alive connections are closed before the backend would (Node's default is 5 s). */
const DEFAULT_IDLE_MS = 4000;
const MAX_IDLE_PER_BACKEND = 256;
const SWEEP_MS = 500;

/** One TCP connection to a backend, lent to one request at a time. */
export class BackendConnection {
  readonly socket: Socket;
  readonly entry: PoolEntry;
  /** Requests this connection has carried before the current one. */
  served = 0;
  /** When an idle connection should be closed (performance.now() time). */
  idleUntil = 0;
  #user: ConnectionUser | undefined;

  /** Opens a connection to the entry's address. */
  constructor(entry: PoolEntry) {
    this.entry = entry;
    this.socket = connect({ host: entry.host, port: entry.port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => (this.#user ? this.#user.data(chunk) : this.socket.destroy()));
    this.socket.on('end', () => this.#user?.closed());
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.#user?.error(err));
    this.socket.on('drain', () => this.#user?.drain());
    this.socket.on('close', () => {
      entry.all.delete(this);
      const i = entry.idle.indexOf(this);
      if (i >= 0) entry.idle.splice(i, 1);
      this.#user?.closed();
    });
    entry.all.add(this);
  }

  /** Hands the connection to a request. */
  lend(user: ConnectionUser): void {
    this.#user = user;
  }

  /** Takes it back from the request (after its response, or when giving up on it). */
  reclaim(): void {
    this.#user = undefined;
  }
}

/** One backend address with its idle keep-alive connections and the requests using it right now. */
export interface PoolEntry {
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly idle: BackendConnection[];
  readonly all: Set<BackendConnection>;
  inflight: number;
  retired: boolean;
}

/**
 * Keep-alive connections by backend address, most recently used first. An address that left the routes
 * is retired: requests already holding it finish on it, then its connections are closed.
 */
export class BackendPool {
  readonly #entries = new Map<string, PoolEntry>();
  #sweeper: NodeJS.Timeout | undefined;

  /** The entry for `target` (a validated `host:port`), created on first use and un-retired if needed. */
  entry(target: string): PoolEntry {
    let e = this.#entries.get(target);
    if (!e) {
      const { host, port } = parseTarget(target) ?? { host: '', port: 0 };
      e = { target, host, port, idle: [], all: new Set(), inflight: 0, retired: false };
      this.#entries.set(target, e);
    }
    e.retired = false;
    return e;
  }

  /** Marks a request as using `e`. */
  acquire(e: PoolEntry): void {
    e.inflight++;
  }

  /** Marks a request as done with `e`; closes a retired entry once nothing uses it. */
  release(e: PoolEntry): void {
    e.inflight--;
    if (e.retired && e.inflight === 0) this.#close(e);
  }

  /** An idle connection to `e` if there is one, else a new one. */
  take(e: PoolEntry): BackendConnection {
    for (let conn = e.idle.pop(); conn; conn = e.idle.pop()) if (!conn.socket.destroyed) return conn;
    return new BackendConnection(e);
  }

  /** Puts a connection back after a complete response, or closes it if it cannot be reused. */
  give(conn: BackendConnection, reusable: boolean, idleMs = DEFAULT_IDLE_MS): void {
    conn.reclaim();
    conn.served++;
    const e = conn.entry;
    const ms = Math.min(idleMs, DEFAULT_IDLE_MS);
    if (!reusable || e.retired || ms <= 0 || e.idle.length >= MAX_IDLE_PER_BACKEND || conn.socket.destroyed) {
      conn.socket.destroy();
      return;
    }
    conn.idleUntil = performance.now() + ms;
    e.idle.push(conn);
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
  }

  /** Retires every entry whose address is not in `targets`. */
  retainOnly(targets: ReadonlySet<string>): void {
    for (const e of this.#entries.values()) {
      if (targets.has(e.target) || e.retired) continue;
      e.retired = true;
      for (const c of e.idle.splice(0)) c.socket.destroy();
      if (e.inflight === 0) this.#close(e);
    }
  }

  /** Addresses with an entry (retired ones still draining included). */
  targets(): string[] {
    return [...this.#entries.keys()];
  }

  /** Closes every connection at once, in use or not. */
  destroy(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const e of [...this.#entries.values()]) this.#close(e);
  }

  /** Closes idle connections whose time is up (one timer per pool instead of one per request). */
  #sweep(): void {
    const now = performance.now();
    for (const e of this.#entries.values()) {
      const expired = e.idle.filter((c) => c.idleUntil <= now);
      if (expired.length === 0) continue;
      e.idle.splice(0, e.idle.length, ...e.idle.filter((c) => c.idleUntil > now));
      for (const c of expired) c.socket.destroy();
    }
  }

  #close(e: PoolEntry): void {
    if (this.#entries.get(e.target) === e) this.#entries.delete(e.target);
    for (const c of [...e.all]) c.socket.destroy();
  }
}
