import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT, RUNNING_BUILT } from '../../package-root.ts';
import type { LaunchEvents, LaunchRequest } from './launch.ts';
import type { FromServer, SpawnRequest } from './spawn-protocol.ts';

const SERVER_MAIN = RUNNING_BUILT
  ? join(PACKAGE_ROOT, 'dist', 'executors', 'local', 'spawn-server.js')
  : join(PACKAGE_ROOT, 'src', 'executors', 'local', 'spawn-server.ts');

/**
 * Processes launched from the runner itself before the server is booted: a short pipeline never
 * pays for starting it, a long one moves its spawns off the runner's event loop from here on.
 */
const BOOT_AFTER = 4;

/**
 * The runner's side of the spawn server (`spawn-server.ts`): boots it once enough processes have
 * been launched, then hands it each launch while it is up. When it is not up (booting, refused by
 * `RUNWAY_SPAWN_SERVER=0`, or gone), `launch` says so and the caller launches from here. The
 * server never keeps the runner alive: its channel is referenced only while a launch is in flight.
 */
export class SpawnServerClient {
  readonly #enabled: boolean;
  #child: ChildProcess | undefined;
  #ready = false;
  #gone = false;
  #launched = 0;
  #nextId = 1;
  readonly #inFlight = new Map<number, LaunchEvents>();

  constructor(enabled = process.env['RUNWAY_SPAWN_SERVER'] !== '0') {
    this.#enabled = enabled;
  }

  /** Hands the launch to the server and returns true, or returns false: launch it yourself. */
  launch(req: LaunchRequest, events: LaunchEvents): boolean {
    if (!this.#enabled || this.#gone) return false;
    if (!this.#ready) {
      if (++this.#launched >= BOOT_AFTER) this.#boot();
      return false;
    }
    const child = this.#child as ChildProcess;
    const id = this.#nextId++;
    const message: SpawnRequest = { t: 'spawn', id, ...req };
    this.#inFlight.set(id, events);
    if (this.#inFlight.size === 1) this.#ref(child, true);
    child.send(message);
    return true;
  }

  #boot(): void {
    if (this.#child) return;
    let child: ChildProcess;
    try {
      child = fork(SERVER_MAIN, [], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        execArgv: [],
        serialization: 'json',
      });
    } catch {
      this.#gone = true;
      return;
    }
    this.#child = child;
    this.#ref(child, false);
    child.on('message', (message: FromServer) => this.#receive(message));
    child.on('error', () => this.#lost());
    child.on('exit', () => this.#lost());
  }

  #receive(message: FromServer): void {
    if (message.t === 'ready') {
      this.#ready = true;
      return;
    }
    const events = this.#inFlight.get(message.id);
    if (!events) return;
    switch (message.t) {
      case 'start':
        events.start(message.pid);
        break;
      case 'out':
        events.output(message.d, message.s);
        break;
      case 'close':
        this.#inFlight.delete(message.id);
        if (this.#inFlight.size === 0 && this.#child) this.#ref(this.#child, false);
        events.close(message.code, message.signal, message.error);
        break;
    }
  }

  /** The server died: what it was running is reported failed, and launches go back to the runner. */
  #lost(): void {
    this.#gone = true;
    this.#ready = false;
    for (const [id, events] of this.#inFlight) {
      this.#inFlight.delete(id);
      events.close(null, null, { code: 'ESPAWNSERVER', message: 'the spawn server stopped' });
    }
  }

  #ref(child: ChildProcess, on: boolean): void {
    const channel = child.channel as { ref(): void; unref(): void } | undefined;
    if (on) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  }
}
