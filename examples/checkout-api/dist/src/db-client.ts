/**
 * Client for the key-value database stand-in (scripts/fake-db.ts). Line protocol over TCP:
 *   PING -> PONG, SET key value -> OK, GET key -> VALUE <v> | NIL, anything wrong -> ERR <message>.
 * Each command uses its own short-lived connection, bounded by a timeout.
 */
import { createConnection } from 'node:net';

export interface DbClientOptions {
  port: number;
  host?: string;
  timeoutMs?: number;
}

export interface DbClient {
  ping(): Promise<void>;
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
}

export class DbError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DbError';
  }
}

const KEY_PATTERN = /^[\x21-\x7e]+$/; // printable ASCII without spaces

export function createDbClient({ port, host = '127.0.0.1', timeoutMs = 2000 }: DbClientOptions): DbClient {
  const send = (command: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = createConnection({ host, port });
      let buffer = '';
      let settled = false;
      const finish = (error: Error | null, reply = ''): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(reply);
      };
      const timer = setTimeout(
        () => finish(new DbError(`no reply from ${host}:${port} within ${timeoutMs}ms`)),
        timeoutMs,
      );
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(`${command}\n`));
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        const end = buffer.indexOf('\n');
        if (end !== -1) finish(null, buffer.slice(0, end).replace(/\r$/, ''));
      });
      socket.on('error', (err) => finish(new DbError(`${host}:${port}: ${err.message}`, { cause: err })));
      socket.on('close', () => finish(new DbError(`${host}:${port} closed the connection without a reply`)));
    });

  const expect = async (command: string, accept: (reply: string) => boolean): Promise<string> => {
    const reply = await send(command);
    if (reply.startsWith('ERR')) throw new DbError(`database error: ${reply.slice(3).trim()}`);
    if (!accept(reply)) throw new DbError(`unexpected reply to ${command.split(' ')[0]}: ${reply}`);
    return reply;
  };

  const checkKey = (key: string): void => {
    if (!KEY_PATTERN.test(key)) throw new DbError(`invalid key ${JSON.stringify(key)}`);
  };

  return {
    async ping() {
      await expect('PING', (r) => r === 'PONG');
    },
    async set(key, value) {
      checkKey(key);
      if (/[\r\n]/.test(value)) throw new DbError('value must not contain line breaks');
      await expect(`SET ${key} ${value}`, (r) => r === 'OK');
    },
    async get(key) {
      checkKey(key);
      const reply = await expect(`GET ${key}`, (r) => r === 'NIL' || r.startsWith('VALUE '));
      return reply === 'NIL' ? null : reply.slice('VALUE '.length);
    },
  };
}
