/** One thing wrong with a received payload: where, what was expected, what was there. */
export interface PayloadIssue {
  /** Path of the field, e.g. `alerts[0].startsAt`; empty for the payload itself. */
  path: string;
  expected: string;
  got: string;
}

/**
 * Formats an issue for people and logs.
 * @example formatPayloadIssue({ path: 'version', expected: '"4"', got: '"3"' }) // 'version: expected "4", got "3"'
 */
export function formatPayloadIssue(issue: PayloadIssue): string {
  return `${issue.path || 'payload'}: expected ${issue.expected}, got ${issue.got}`;
}

/** Describes a received value briefly: strings quoted and shortened, containers by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** Appends a key to a path, bracketing keys that are not plain identifiers. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}
