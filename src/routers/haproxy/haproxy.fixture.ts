import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeCommand } from './runtime-api.ts';

/** Debian's haproxy. */
export const HAPROXY = '/usr/sbin/haproxy';

/** An HAProxy started for a test: one frontend on `port` in front of the empty backend `backend`. */
export interface HaproxyInstance {
  readonly port: number;
  readonly runtimeApi: string;
  readonly backend: string;
  readonly dir: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts Debian's haproxy in the foreground with a generated config in a temp dir: a frontend on a
 * free 127.0.0.1 port, an empty `roundrobin` backend Runway fills, and an admin runtime API socket.
 */
export async function startHaproxy(
  options: { backend?: string; port?: number } = {},
): Promise<HaproxyInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'runway-haproxy-'));
  const backend = options.backend ?? 'web';
  const port = options.port ?? (await freePort());
  const runtimeApi = join(dir, 'admin.sock');
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    [
      'global',
      `  stats socket ${runtimeApi} mode 600 level admin`,
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  retries 2',
      '  option redispatch',
      'frontend site',
      `  bind 127.0.0.1:${port}`,
      `  default_backend ${backend}`,
      `backend ${backend}`,
      '  balance roundrobin',
      '',
    ].join('\n'),
  );
  const child = spawn(HAPROXY, ['-f', join(dir, 'haproxy.cfg'), '-db'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    const up = await runtimeCommand(runtimeApi, ['show', 'info']).catch(() => '');
    if (up.includes('Name: HAProxy')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    runtimeApi,
    backend,
    dir,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
