/*
 * Which control plane may act on an environment. With the embedded store one control plane runs,
 * so it owns everything (`SoleOwnership`); on a shared store each environment is a lease
 * (`StoreLeases`), and every write carries the lease's token as a fence.
 */
import type { Fence } from '../store/store.ts';

/** The right to act on one environment, held now. */
export interface Claim {
  /** Carried by every write about it, so a write after losing the lease is refused; absent when unshared. */
  readonly fence?: Fence;
}

/** Decides which environments this control plane acts on. */
export interface Ownership {
  /** Who this control plane is, for logs. */
  readonly holder: string;
  /** Whether other control planes share the store (then rollouts started elsewhere are looked for). */
  readonly shared: boolean;
  /** How long to wait before asking again for an environment another instance holds. */
  readonly retryMs: number;
  /** Takes or renews the right to act on `service/environment`; undefined while another instance holds it. */
  claim(service: string, environment: string): Promise<Claim | undefined>;
  /** Gives it up (nothing left to do there), so any instance may take it at once. */
  release(service: string, environment: string): Promise<void>;
  /** Forgets a claim found lost, so the next `claim` asks the store again. */
  lost(service: string, environment: string): void;
}

/** The lease name of an environment. */
export function leaseName(service: string, environment: string): string {
  return `env:${service}/${environment}`;
}

/** The null ownership of a control plane alone on its store: every environment is its own. */
export class SoleOwnership implements Ownership {
  readonly holder = 'sole';
  readonly shared = false;
  readonly retryMs = 1000;

  async claim(): Promise<Claim> {
    return {};
  }

  async release(): Promise<void> {}

  lost(): void {}
}
