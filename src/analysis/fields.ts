import { didYouMean } from '../config/suggest.ts';
import { parseDuration } from '../engine/duration.ts';
import { formatPath, type FieldPath } from './arguments.ts';

/** One problem in the `analysis:` section, at a field path. */
export interface AnalysisIssue {
  readonly path: FieldPath;
  readonly message: string;
}

/** Formats an issue as `analysis.x.metrics[0].field: what is wrong`. */
export function formatAnalysisIssue(issue: AnalysisIssue): string {
  return `${formatPath(issue.path)}: ${issue.message}`;
}

type Obj = Readonly<Record<string, unknown>>;

/** Reads typed fields from untrusted config data, collecting an issue for every bad one. */
export class FieldReader {
  readonly issues: AnalysisIssue[] = [];

  /** Records a problem and returns undefined, so callers can `return r.fail(...)`. */
  fail(path: FieldPath, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** The value as an object whose keys are all in `keys`; unknown keys are issues. */
  object(value: unknown, path: FieldPath, keys: readonly string[]): Obj | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.fail(path, `expected a map, got ${describe(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        this.fail(
          [...path, key],
          `unknown key "${key}"${didYouMean(key, keys)}; expected one of ${keys.join(', ')}`,
        );
      }
    }
    return value as Obj;
  }

  /** A string field; `required` makes absence an issue. */
  string(obj: Obj, key: string, path: FieldPath, required = false): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null)
      return required ? this.fail([...path, key], 'is required') : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      return this.fail([...path, key], `expected a non-empty string, got ${describe(value)}`);
    }
    return value;
  }

  /** An integer field of at least `min`. */
  integer(obj: Obj, key: string, path: FieldPath, min: number): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      return this.fail([...path, key], `expected an integer >= ${min}, got ${describe(value)}`);
    }
    return value;
  }

  /** A boolean field. */
  boolean(obj: Obj, key: string, path: FieldPath): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean')
      return this.fail([...path, key], `expected true or false, got ${describe(value)}`);
    return value;
  }

  /** A duration field (`30s`, `5m`, `1h30m`, or seconds), in milliseconds; `positive` rejects 0. */
  duration(obj: Obj, key: string, path: FieldPath, positive = false): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      return this.fail([...path, key], `expected a duration such as 30s or 5m, got ${describe(value)}`);
    }
    try {
      const ms = parseDuration(value);
      return positive && ms === 0 ? this.fail([...path, key], 'must be longer than 0s') : ms;
    } catch (err) {
      return this.fail([...path, key], (err as Error).message);
    }
  }

  /** A string field that must be one of `options`. */
  oneOf<T extends string>(obj: Obj, key: string, path: FieldPath, options: readonly T[]): T | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      const hint = typeof value === 'string' ? didYouMean(value, options) : '';
      return this.fail(
        [...path, key],
        `expected one of ${options.join(', ')}, got ${describe(value)}${hint}`,
      );
    }
    return value as T;
  }
}

/** A value as it appears in an error message: strings quoted, others by type. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return 'a map';
  return String(value);
}
