/**
 * In-memory key-value database stand-in for local runs and CI. Line protocol over TCP:
 *   PING -> PONG, SET key value -> OK, GET key -> VALUE <v> | NIL, anything else -> ERR <message>.
 * Usage: DB_PORT=5544 node scripts/fake-db.ts   (prints "ready on <port>" once listening)
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';

const store = new Map<string, string>();
const sockets = new Set<Socket>();

function handle(line: string): string {
  const [command = '', key, ...rest] = line.split(' ');
  switch (command.toUpperCase()) {
    case 'PING':
      return 'PONG';
    case 'SET':
      if (!key) return 'ERR usage: SET key value';
      store.set(key, rest.join(' '));
      return 'OK';
    case 'GET': {
      if (!key) return 'ERR usage: GET key';
      const value = store.get(key);
      return value === undefined ? 'NIL' : `VALUE ${value}`;
    }
    default:
      return `ERR unknown command ${JSON.stringify(command)}`;
  }
}

const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      if (line !== '') socket.write(`${handle(line)}\n`);
    }
  });
});

const port = Number(process.env.DB_PORT || 5544);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`ready on ${typeof address === 'object' && address ? address.port : port}`);
});

function shutdown(signal: NodeJS.Signals): void {
  console.log(`${signal} received, fake-db stopping`);
  server.close();
  for (const socket of sockets) socket.destroy();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
