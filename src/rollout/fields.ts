/** One problem in strategy input, named by its path (`canary.steps[2].setWeight`). */
export interface StrategyIssue {
  path: string;
  message: string;
}

/** Strategy input that cannot be used; carries every issue found. */
export class StrategyError extends Error {
  readonly issues: readonly StrategyIssue[];

  constructor(issues: StrategyIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'StrategyError';
    this.issues = issues;
  }
}

/** Longest pause, delay or deadline accepted: 30 days (longer ones are typos; use an untimed pause). */
export const MAX_DURATION_MS = 30 * 24 * 3_600_000;

interface IntRule {
  min: number;
  max: number;
  unit?: string;
}

/** Reads untrusted input field by field, collecting an issue for each bad one. */
export class FieldReader {
  readonly issues: StrategyIssue[] = [];

  /** Records an issue. */
  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** An object with only `allowed` keys (an unknown key is an issue that lists the valid ones). */
  object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.fail(path, `must be an object, got ${show(value)}`);
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key))
        this.fail(join(path, key), `unknown key; expected one of ${allowed.join(', ')}`);
    }
    return record;
  }

  /** An integer within the rule's bounds; `undefined` passes through when the field is optional. */
  int(value: unknown, path: string, rule: IntRule, optional = true): number | undefined {
    if (value === undefined) return optional ? undefined : this.fail(path, 'is required');
    const unit = rule.unit ? ` ${rule.unit}` : '';
    if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max) {
      return this.fail(path, `must be an integer from ${rule.min} to ${rule.max}${unit}, got ${show(value)}`);
    }
    return value;
  }

  /** A duration in whole milliseconds, 0 (or `min`) up to 30 days. */
  duration(value: unknown, path: string, min = 0): number | undefined {
    return this.int(value, path, { min, max: MAX_DURATION_MS, unit: 'milliseconds' });
  }

  /** A boolean, or `fallback` when absent. */
  bool(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.fail(path, `must be true or false, got ${show(value)}`);
    return fallback;
  }

  /** A non-empty list of distinct, non-empty template names. */
  names(value: unknown, path: string): string[] | undefined {
    if (!Array.isArray(value) || value.length === 0) {
      return this.fail(path, `must be a non-empty list of template names, got ${show(value)}`);
    }
    const names: string[] = [];
    value.forEach((name, i) => {
      if (typeof name !== 'string' || name.trim() === '') {
        this.fail(`${path}[${i}]`, `must be a template name, got ${show(name)}`);
      } else if (names.includes(name)) {
        this.fail(`${path}[${i}]`, `duplicate template ${show(name)}`);
      } else names.push(name);
    });
    return names.length === value.length ? names : undefined;
  }
}

/** `a.b`, or `b` at the top. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** A short rendering of a bad value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
