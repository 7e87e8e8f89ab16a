import { spawn } from 'node:child_process';

/** One process to start: an absolute or PATH-searched file, in a group of its own. */
export interface LaunchRequest {
  file: string;
  args: string[];
  argv0: string;
  cwd: string;
  env: Record<string, string>;
}

/** What happens to a launched process, in this order: start, output…, exit, close. */
export interface LaunchEvents {
  /** The process exists (pid undefined when it could not start; close follows with the error). */
  start(pid: number | undefined): void;
  output(text: string, stream: 'stdout' | 'stderr'): void;
  /**
   * The group leader exited; its output may still be draining. (A launch through the spawn server
   * does not report it: the server kills the group itself.)
   */
  exit(): void;
  /** All output delivered. */
  close(
    code: number | null,
    signal: NodeJS.Signals | null,
    error?: { code: string | undefined; message: string },
  ): void;
}

/** Starts the process from this one (what `spawn-server.ts` does from its own, smaller process). */
export function launchHere(req: LaunchRequest, events: LaunchEvents): number | undefined {
  const child = spawn(req.file, req.args, {
    argv0: req.argv0,
    cwd: req.cwd,
    env: req.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let error: { code: string | undefined; message: string } | undefined;
  child.on('error', (err: NodeJS.ErrnoException) => {
    error = { code: err.code, message: err.message };
  });
  events.start(child.pid);
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (text: string) => events.output(text, stream));
  }
  child.on('exit', () => events.exit());
  child.on('close', (code, signal) => events.close(code, signal, error));
  return child.pid;
}
