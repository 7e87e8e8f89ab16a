import type { Clock } from '../../engine/clock.ts';
import type { Store } from '../../store/store.ts';
import type { AuditEntry, AuditLog } from './audit-log.ts';

/** Keeps the audit log in the store, each entry stamped with the clock's time. */
export class StoreAuditLog implements AuditLog {
  readonly #store: Pick<Store, 'recordAudit'>;
  readonly #clock: Clock;

  constructor(store: Pick<Store, 'recordAudit'>, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.#store.recordAudit({ at: this.#clock.now().toISOString(), ...entry });
  }
}
