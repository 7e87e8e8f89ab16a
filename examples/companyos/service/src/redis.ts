/** A minimal RESP2 client (PING, INCR, GET, SET) over one TCP connection, enough for the visit counter. */
import { connect, type Socket } from 'node:net';

export interface RedisClient {
  command(...args: string[]): Promise<string | number | null>;
  close(): void;
}

/** Encodes a command as a RESP array of bulk strings. */
export function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Reads one simple reply (+, -, :, $) from `text`; undefined while it is incomplete. */
export function decode(text: string): { value: string | number | null; rest: string } | undefined {
  const end = text.indexOf('\r\n');
  if (end < 0) return undefined;
  const head = text.slice(1, end);
  switch (text[0]) {
    case '+':
      return { value: head, rest: text.slice(end + 2) };
    case '-':
      throw new Error(`redis: ${head}`);
    case ':':
      return { value: Number(head), rest: text.slice(end + 2) };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: null, rest: text.slice(end + 2) };
      if (text.length < end + 2 + n + 2) return undefined;
      return { value: text.slice(end + 2, end + 2 + n), rest: text.slice(end + 2 + n + 2) };
    }
    default:
      throw new Error(`redis: unexpected reply ${JSON.stringify(text.slice(0, 20))}`);
  }
}

/** Connects to Redis on 127.0.0.1:`port`; commands are answered in order. */
export async function connectRedis(port: number): Promise<RedisClient> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve).once('error', reject);
  });
  socket.setEncoding('utf8');
  let buffer = '';
  const waiting: { resolve(v: string | number | null): void; reject(e: Error): void }[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const next = waiting[0];
      if (!next) return;
      let reply;
      try {
        reply = decode(buffer);
      } catch (err) {
        waiting.shift();
        buffer = buffer.slice(buffer.indexOf('\r\n') + 2);
        next.reject(err as Error);
        continue;
      }
      if (!reply) return;
      buffer = reply.rest;
      waiting.shift();
      next.resolve(reply.value);
    }
  });
  return {
    command: (...args) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(encode(args));
      }),
    close: () => socket.destroy(),
  };
}
