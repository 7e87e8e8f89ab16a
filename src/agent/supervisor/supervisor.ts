import type { Clock } from '../../engine/clock.ts';
import { Instance } from './instance.ts';
import type { InstanceOptions } from './instance.ts';
import { instanceKey, resolveInstanceSpec, sameSpec } from './instance-spec.ts';
import type { InstanceSpec, InstanceSpecInput } from './instance-spec.ts';
import type { InstanceEventSink, InstanceStatus } from './instance-status.ts';

/** What the supervisor needs: shared by all its instances. */
export interface SupervisorOptions {
  readonly clock?: Clock;
  readonly onEvent?: InstanceEventSink;
  /** Awaited before an instance is sent SIGTERM: take it out of the routes, let requests finish. */
  readonly drain?: (key: string, spec: InstanceSpec) => Promise<void>;
  readonly shell?: string;
  readonly probe?: InstanceOptions['probe'];
}

/** What one `ensure` call changed, by instance key. A changed spec under the same key is stopped and started. */
export interface EnsureResult {
  readonly started: readonly string[];
  readonly stopped: readonly string[];
  readonly unchanged: readonly string[];
}

/**
 * Runs the instances of releases of services on this machine, keyed `service/version/index`.
 * It holds no durable state: the agent persists the desired set elsewhere and, after a restart,
 * hands it to `ensure` again, which converges like a reconcile loop.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #instances = new Map<string, Instance>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SupervisorOptions = {}) {
    this.#options = options;
  }

  /**
   * Converges to exactly the given instances: stops those not wanted (or wanted with another spec),
   * then starts the missing ones, and leaves matching ones alone. Calls run one after another.
   * Invalid specs or duplicate keys throw before anything changes. `adopt` maps the key of an
   * instance to start to the process group a previous agent left running for it.
   */
  async ensure(
    specs: readonly InstanceSpecInput[],
    adopt: ReadonlyMap<string, number> = new Map(),
  ): Promise<EnsureResult> {
    const desired = new Map<string, InstanceSpec>();
    for (const input of specs) {
      const spec = resolveInstanceSpec(input);
      const key = instanceKey(spec);
      if (desired.has(key)) throw new Error(`duplicate instance ${key} in desired set`);
      desired.set(key, spec);
    }
    return this.#serially(async () => {
      // stop what is no longer wanted as it runs
      const extra = [...this.#instances.values()].filter((instance) => {
        const want = desired.get(instance.key);
        return !want || !sameSpec(want, instance.spec);
      });
      await Promise.all(extra.map((instance) => this.#remove(instance)));

      // start what is missing
      const started: string[] = [];
      const unchanged: string[] = [];
      for (const [key, spec] of desired) {
        if (this.#instances.has(key)) {
          unchanged.push(key);
          continue;
        }
        const pgid = adopt.get(key);
        const options = this.#instanceOptions(spec);
        const instance = new Instance(spec, pgid === undefined ? options : { ...options, adopt: pgid });
        this.#instances.set(key, instance);
        instance.start();
        started.push(key);
      }
      return { started, stopped: extra.map((i) => i.key), unchanged };
    });
  }

  /** A snapshot of every instance, sorted by key. */
  status(): InstanceStatus[] {
    return [...this.#instances.values()].map((i) => i.status()).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** The resolved spec of an instance, by key. */
  specOf(key: string): InstanceSpec | undefined {
    return this.#instances.get(key)?.spec;
  }

  /** Stops every instance gracefully; resolves when all their process groups are gone. */
  stopAll(): Promise<void> {
    return this.#serially(async () => {
      await Promise.all([...this.#instances.values()].map((instance) => this.#remove(instance)));
    });
  }

  async #remove(instance: Instance): Promise<void> {
    await instance.stop();
    if (this.#instances.get(instance.key) === instance) this.#instances.delete(instance.key);
  }

  #instanceOptions(spec: InstanceSpec): InstanceOptions {
    const { clock, onEvent, drain, shell, probe } = this.#options;
    return {
      ...(clock ? { clock } : {}),
      ...(onEvent ? { onEvent } : {}),
      ...(drain ? { drain: (key: string) => drain(key, spec) } : {}),
      ...(shell ? { shell } : {}),
      ...(probe ? { probe } : {}),
    };
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
