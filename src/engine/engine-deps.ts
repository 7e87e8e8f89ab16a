import type { Action } from '../actions/action.ts';
import type { Executor } from '../executors/executor.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { EventFunnel } from './events.ts';

/** What the engine is built from; the CLI composes the defaults. */
export interface EngineDeps {
  store: Store;
  executor: Executor;
  actions: ReadonlyMap<string, Action>;
  clock: Clock;
  events: EventFunnel;
  /** Where step logs and output files go: `<dataDir>/runs/<id>/…`. */
  dataDir: string;
  hostEnv: NodeJS.ProcessEnv;
}
