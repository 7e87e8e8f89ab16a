/** An API token as stored: its SHA-256 hash, never the token itself. */
export interface ApiTokenRecord {
  id: string;
  name: string;
  role: string;
  /** Services it may act on; empty: all. */
  services: string[];
  /** Environments it may act on; empty: all. */
  environments: string[];
  /** Hex SHA-256 of the token. */
  hash: string;
  createdAt: string;
  revokedAt?: string;
}

/** One mutating API call, as the audit log keeps it. */
export interface AuditRecord {
  id: number;
  at: string;
  tokenId: string;
  tokenName: string;
  role: string;
  method: string;
  path: string;
  status: number;
  /** Why it was refused or failed. */
  error?: string;
}
