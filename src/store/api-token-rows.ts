import type { ApiTokenRecord, AuditRecord } from '../records/api-tokens.ts';

type Row = Record<string, unknown>;

/** A row of `api_tokens` as a record (same columns in every store). */
export function tokenOfRow(r: Row): ApiTokenRecord {
  return {
    id: String(r['id']),
    name: String(r['name']),
    role: String(r['role']),
    services: JSON.parse(String(r['services_json'])) as string[],
    environments: JSON.parse(String(r['environments_json'])) as string[],
    hash: String(r['hash']),
    createdAt: String(r['created_at']),
    ...(r['revoked_at'] == null ? {} : { revokedAt: String(r['revoked_at']) }),
  };
}

/** A row of `audit_log` as a record. */
export function auditOfRow(r: Row): AuditRecord {
  return {
    id: Number(r['id']),
    at: String(r['at']),
    tokenId: String(r['token_id']),
    tokenName: String(r['token_name']),
    role: String(r['role']),
    method: String(r['method']),
    path: String(r['path']),
    status: Number(r['status']),
    ...(r['error'] == null ? {} : { error: String(r['error']) }),
  };
}
