/*
 * A client of HAProxy's runtime API (the `stats socket` of haproxy.cfg): one command per
 * connection, the answer is everything HAProxy writes before it closes. Commands are built only
 * from checked names and numbers, so nothing a user typed can add a second command.
 */
import { connect } from 'node:net';

/** Where the runtime API listens: a unix socket path, or `host:port` of a TCP stats socket. */
export type RuntimeAddress = string;

/** HAProxy could not be reached, or answered a command with an error. */
export class RuntimeApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeApiError';
  }
}

/** Printable text without the characters that end or chain a runtime API command. */
const SAFE = /^[^\s;\\#]+$/;

/** Sends `words` as one command; resolves with HAProxy's answer. */
export function runtimeCommand(
  address: RuntimeAddress,
  words: readonly string[],
  timeoutMs = 3000,
): Promise<string> {
  for (const w of words)
    if (!SAFE.test(w)) throw new RuntimeApiError(`refusing to send ${JSON.stringify(w)} to the runtime API`);
  const tcp = /^([^/][^:]*):(\d+)$/.exec(address);
  return new Promise((resolve, reject) => {
    const socket = tcp ? connect({ host: tcp[1]!, port: Number(tcp[2]) }) : connect({ path: address });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new RuntimeApiError(`the runtime API at ${address} did not answer in ${timeoutMs} ms`)),
    );
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) =>
      reject(
        err instanceof RuntimeApiError
          ? err
          : new RuntimeApiError(`cannot reach HAProxy's runtime API at ${address}: ${err.message}`),
      ),
    );
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.end(`${words.join(' ')}\n`);
  });
}
