/**
 * The spawn server: a small Node process that starts step processes for the runner and streams
 * their output back over its IPC channel. Forking copies the page tables of the process that
 * forks, so a spawn from the runner (about 100 MB) costs twice one from this process (about 40 MB),
 * and it blocks the runner's event loop while it happens. Here it blocks nobody.
 *
 * It imports nothing of Runway's, so it starts as fast as Node does. It exits when the runner goes
 * away; the processes it started are in their own groups and are the runner's to signal (by pgid),
 * as they would be had the runner started them itself. Protocol: `spawn-protocol.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { FromServer, SpawnRequest } from './spawn-protocol.ts';

function send(message: FromServer): void {
  process.send?.(message);
}

function start(req: SpawnRequest): void {
  let child: ChildProcess;
  try {
    child = spawn(req.file, req.args, {
      argv0: req.argv0,
      cwd: req.cwd,
      env: req.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    send({ t: 'close', id: req.id, code: null, signal: null, error: { code: e.code, message: e.message } });
    return;
  }
  let error: { code: string | undefined; message: string } | undefined;
  child.on('error', (err: NodeJS.ErrnoException) => {
    error = { code: err.code, message: err.message };
  });
  send({ t: 'start', id: req.id, pid: child.pid });
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (d: string) => send({ t: 'out', id: req.id, s: stream, d }));
  }
  // the script is done: no process it left behind may outlive the step and hold its output open. The
  // server kills the group itself (what the runner would do on 'exit'): one message less per step.
  child.on('exit', () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  });
  child.on('close', (code, signal) =>
    send({ t: 'close', id: req.id, code, signal, ...(error ? { error } : {}) }),
  );
}

process.on('message', (message: SpawnRequest) => {
  if (message && message.t === 'spawn') start(message);
});
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
