/** Messages between the runner and its spawn server (`spawn-server.ts`), over Node's IPC channel. */

/** Runner → server: start one process in a group of its own, stdin closed, stdout/stderr piped. */
export interface SpawnRequest {
  t: 'spawn';
  id: number;
  file: string;
  args: string[];
  argv0: string;
  cwd: string;
  env: Record<string, string>;
}

/**
 * Server → runner, in this order for each id: start, out…, close (close alone if it never started).
 * When the group leader exits the server SIGKILLs its group, as `LaunchEvents.exit` asks.
 */
export type FromServer =
  | { t: 'ready' }
  | { t: 'start'; id: number; pid: number | undefined }
  | { t: 'out'; id: number; s: 'stdout' | 'stderr'; d: string }
  | {
      t: 'close';
      id: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      error?: { code: string | undefined; message: string };
    };
