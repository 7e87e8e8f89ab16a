import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/** How to reach the backend for one upgraded connection and what to tell the caller. */
export interface TunnelOptions {
  readonly host: string;
  readonly port: number;
  /** The request head for the backend: request line, headers, blank line. */
  readonly requestHead: string;
  /** Bytes the client sent after its request head. */
  readonly firstBytes: Buffer;
  /** A `Name: value` line added to the backend's response head, if any. */
  readonly extraHeaderLine?: string;
  /** Called once: with the backend's status code, or 502 when it could not be reached or answered no head. */
  readonly onStatus: (code: number) => void;
}

/**
 * Pipes an upgraded client connection (websocket or any `Upgrade:`) to a backend, byte for byte,
 * after relaying the request head and the backend's response head (with one header added).
 */
export function openTunnel(client: Duplex, options: TunnelOptions): Socket {
  const upstream = connect({ host: options.host, port: options.port, noDelay: true });
  let reported = false;
  let headSeen = false;
  let failed = false;
  let clientGone = false;
  let pending: Buffer = Buffer.alloc(0);

  const report = (code: number) => {
    if (reported) return;
    reported = true;
    options.onStatus(code);
  };
  const fail = () => {
    if (failed) return;
    failed = true;
    report(clientGone ? 499 : 502);
    if (!headSeen && !clientGone && client.writable) {
      const body = '{"error":"bad gateway"}\n';
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
          `connection: close\r\n${options.extraHeaderLine ? `${options.extraHeaderLine}\r\n` : ''}\r\n${body}`,
      );
    } else {
      client.destroy();
    }
    upstream.destroy();
  };

  upstream.on('error', fail);
  const clientClosed = () => {
    clientGone = true;
    upstream.destroy();
  };
  client.on('error', clientClosed);
  client.on('close', clientClosed);
  upstream.on('close', () => {
    if (!headSeen) fail();
    else client.destroy();
  });
  upstream.on('connect', () => {
    upstream.write(options.requestHead, 'latin1');
    if (options.firstBytes.length > 0) upstream.write(options.firstBytes);
    client.pipe(upstream);
  });

  const onHeadData = (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf(HEAD_END);
    if (end < 0) {
      if (pending.length > MAX_HEAD_BYTES) fail();
      return;
    }
    headSeen = true;
    upstream.off('data', onHeadData);
    const statusLine = pending.subarray(0, pending.indexOf('\r\n')).toString('latin1');
    const code = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 502);
    const extra = options.extraHeaderLine ? `\r\n${options.extraHeaderLine}` : '';
    client.write(
      Buffer.concat([pending.subarray(0, end), Buffer.from(extra, 'latin1'), pending.subarray(end)]),
    );
    pending = Buffer.alloc(0);
    report(code);
    upstream.pipe(client);
  };
  upstream.on('data', onHeadData);
  return upstream;
}
