/** One mutating API call: who (token id and name, role), what (method, path), the result. */
export interface AuditEntry {
  tokenId: string;
  tokenName: string;
  role: string;
  method: string;
  path: string;
  status: number;
  /** Why the call was refused or failed. */
  error?: string;
}

/** Where mutating API calls are recorded. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/** Records nothing (an API without an audit trail, as in unit tests of routes). */
export const NOP_AUDIT_LOG: AuditLog = Object.freeze({ record: async () => {} });
