import { createHash } from 'node:crypto';

const SECRET_KEY = /secret|token|passw|credential|api[-_]?key|private[-_]?key|authorization|cookie/i;

/** What a redacted value becomes. */
export const REDACTED = '[redacted]';

/**
 * JSON with object keys sorted at every level, so equal values give equal text;
 * `undefined` members are dropped and non-finite numbers become `null`, as in JSON.
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && typeof v !== 'function')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return 'null';
}

/**
 * Replaces the value of every key that names a secret (token, password, api key…) with `[redacted]`.
 * Numbers and booleans are kept: they are counts and flags such as `secrets_found`, not secrets.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const keep = v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean';
    out[k] = SECRET_KEY.test(k) && !keep ? REDACTED : redactSecrets(v);
  }
  return out;
}

/** `sha256:<hex>` of a value's canonical JSON. */
export function contentDigest(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

/** The digest a decision records for its input: canonical JSON, secrets redacted, sha256. */
export function inputDigest(input: unknown): string {
  return contentDigest(redactSecrets(input));
}
