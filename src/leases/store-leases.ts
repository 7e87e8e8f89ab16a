import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import { leaseName, type Claim, type Ownership } from './ownership.ts';

/** How long a lease lasts without renewal before another instance may take it (default). */
export const DEFAULT_LEASE_TTL_MS = 5000;

type LeaseStore = Pick<Store, 'acquireLease' | 'renewLease' | 'releaseLease'>;

/**
 * Environments as leases in a shared store. A claim renews the lease when a fifth of its time has
 * passed, so a control plane that looks at a rollout every second keeps it; one that stops (killed,
 * paused, cut off) loses it `ttlMs` after its last renewal, and the token grows on takeover.
 */
export class StoreLeases implements Ownership {
  readonly holder: string;
  readonly shared = true;
  readonly retryMs: number;
  readonly #store: LeaseStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  /** Token and last renewal (epoch ms) of the leases held, by name. */
  readonly #held = new Map<string, { token: number; renewedAt: number }>();

  constructor(opts: { store: LeaseStore; clock: Clock; holder: string; ttlMs?: number }) {
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.holder = opts.holder;
    this.#ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.retryMs = Math.max(100, Math.floor(this.#ttlMs / 2));
  }

  async claim(service: string, environment: string): Promise<Claim | undefined> {
    const name = leaseName(service, environment);
    const now = this.#clock.now().getTime();
    const held = this.#held.get(name);
    // renew while well inside the lease; past its end the lease may already be another's
    if (held && now - held.renewedAt < this.#ttlMs / 5) return { fence: { lease: name, token: held.token } };
    if (held && now - held.renewedAt < this.#ttlMs) {
      if (await this.#store.renewLease(name, this.holder, held.token, iso(now))) {
        held.renewedAt = now;
        return { fence: { lease: name, token: held.token } };
      }
      this.#held.delete(name);
      return undefined;
    }
    const token = await this.#store.acquireLease(name, this.holder, iso(now), iso(now - this.#ttlMs));
    if (token === undefined) {
      this.#held.delete(name);
      return undefined;
    }
    this.#held.set(name, { token, renewedAt: now });
    return { fence: { lease: name, token } };
  }

  async release(service: string, environment: string): Promise<void> {
    const name = leaseName(service, environment);
    const held = this.#held.get(name);
    if (!held) return;
    this.#held.delete(name);
    await this.#store.releaseLease(name, this.holder, held.token);
  }

  lost(service: string, environment: string): void {
    this.#held.delete(leaseName(service, environment));
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
