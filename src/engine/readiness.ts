import { connect } from 'node:net';
import type { Readiness } from '../config/pipeline.ts';
import type { Executor } from '../executors/executor.ts';
import type { Clock } from './clock.ts';

/** One readiness probe: resolves to null when ready, or a short reason why not. */
export async function probeOnce(
  ready: Readiness,
  exec: { executor: Executor; cwd: string; env: Record<string, string>; secrets: readonly string[] },
): Promise<string | null> {
  switch (ready.kind) {
    case 'none':
      return null;
    case 'tcp': {
      const idx = ready.target.lastIndexOf(':');
      const host = ready.target.slice(0, idx);
      const port = Number(ready.target.slice(idx + 1));
      return new Promise((resolve) => {
        const socket = connect({ host, port });
        socket.setTimeout(1000);
        socket.once('connect', () => {
          socket.destroy();
          resolve(null);
        });
        socket.once('timeout', () => {
          socket.destroy();
          resolve(`tcp ${ready.target}: timed out`);
        });
        socket.once('error', (err: NodeJS.ErrnoException) =>
          resolve(`tcp ${ready.target}: ${err.code ?? err.message}`),
        );
      });
    }
    case 'http': {
      try {
        const res = await fetch(ready.target, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        return res.ok ? null : `http ${ready.target}: status ${res.status}`;
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        return `http ${ready.target}: ${cause ?? (err as Error).message}`;
      }
    }
    case 'run': {
      const result = await exec.executor.run({
        script: ready.target,
        cwd: exec.cwd,
        env: exec.env,
        secrets: exec.secrets,
        timeoutMs: 10_000,
        onOutput: () => undefined,
      });
      return result.exitCode === 0 ? null : `command exited with ${result.exitCode ?? result.signal}`;
    }
  }
}

/** Probes until ready, the deadline passes, the process exits, or the signal aborts. */
export async function waitUntilReady(
  ready: Readiness,
  exec: Parameters<typeof probeOnce>[1],
  opts: { clock: Clock; exited: Promise<unknown>; signal: AbortSignal },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const start = opts.clock.now().getTime();
  let exited = false;
  void opts.exited.then(() => {
    exited = true;
  });
  let last = 'not probed yet';
  for (;;) {
    if (opts.signal.aborted) return { ok: false, reason: 'cancelled' };
    if (exited) return { ok: false, reason: `it exited before it was ready (last probe: ${last})` };
    const why = await probeOnce(ready, exec);
    if (why === null) return { ok: true };
    last = why;
    if (opts.clock.now().getTime() - start >= ready.timeoutMs) {
      return { ok: false, reason: `not ready after ${ready.timeoutMs / 1000}s (last probe: ${last})` };
    }
    await opts.clock.sleep(ready.intervalMs, opts.signal);
  }
}
