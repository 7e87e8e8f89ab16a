import { spawn } from 'node:child_process';
import { openSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateServer, readServerInfo, serverFiles } from '../../server/discovery.ts';

/**
 * A control plane for the demo: the one already running for this store, or `runway serve`
 * started in the background (its log in `<data dir>/server.log`). `stop()` stops only what this
 * call started.
 */
export async function demoControlPlane(
  repo: string,
  dataDir: string,
  storeUrl: string,
): Promise<{ url: string; token: string; started: boolean; stop(): Promise<void> }> {
  const running = locateServer(dataDir, {});
  if (running) return { ...running, started: false, stop: async () => undefined };
  mkdirSync(dataDir, { recursive: true });
  const log = openSync(serverFiles(dataDir).log, 'a');
  const child = spawn(process.execPath, [join(repo, 'bin', 'runway.js'), 'serve', '--store', storeUrl], {
    cwd: repo,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `${signal ?? code}`));
  for (let i = 0; i < 300; i++) {
    if (exited !== undefined)
      throw new Error(`runway serve exited (${exited}); see ${serverFiles(dataDir).log}`);
    const info = readServerInfo(dataDir);
    const found = info?.pid === child.pid ? locateServer(dataDir, {}) : undefined;
    if (found) {
      // it outlives the demo with --keep-running: the demo must not wait for it to exit
      child.unref();
      return {
        ...found,
        started: true,
        async stop() {
          const { spawnSync } = await import('node:child_process');
          spawnSync(
            process.execPath,
            [join(repo, 'bin', 'runway.js'), 'serve', 'stop', '--store', storeUrl],
            {
              cwd: repo,
              stdio: 'ignore',
            },
          );
        },
      };
    }
    await sleep(50);
  }
  child.kill('SIGTERM');
  throw new Error(`runway serve did not start within 15s; see ${serverFiles(dataDir).log}`);
}
