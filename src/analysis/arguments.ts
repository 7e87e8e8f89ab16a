/** A path to a field in runway.yaml, e.g. `['analysis', 'smoke-check', 'metrics', 0, 'provider']`. */
export type FieldPath = readonly (string | number)[];

/**
 * Names the rollout supplies to every analysis run besides the template's own `args`; a template
 * may use them as `{{service}}` or `{{ args.service }}` without declaring them.
 */
export const CONTEXT_ARGUMENTS = [
  'service',
  'environment',
  'namespace',
  'canary.version',
  'stable.version',
] as const;

/** A template that cannot be resolved for a run: an unknown argument, one without a value, a clash. */
export class ResolveError extends Error {
  readonly path: FieldPath;
  constructor(path: FieldPath, message: string) {
    super(`${formatPath(path)}: ${message}`);
    this.name = 'ResolveError';
    this.path = path;
  }
}

const REFERENCE = /(?<!\$)\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

/**
 * The argument names a string refers to, `args.` stripped.
 * @example argumentRefs('up{service="{{ args.service }}",v="{{canary.version}}"}') // ['service', 'canary.version']
 */
export function argumentRefs(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => bareName(m[1] ?? ''));
}

/** Replaces each `{{name}}` / `{{ args.name }}` with its value; throws ResolveError naming `path`. */
export function substitute(text: string, values: Readonly<Record<string, string>>, path: FieldPath): string {
  return text.replace(REFERENCE, (whole, ref: string) => {
    const name = bareName(ref);
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) {
      const known = Object.keys(values).sort().join(', ') || 'none';
      throw new ResolveError(path, `unknown argument "${name}" in ${whole} (known: ${known})`);
    }
    return value;
  });
}

/** Substitutes arguments in every string inside a JSON-like value, keeping its shape. */
export function substituteDeep<T>(value: T, values: Readonly<Record<string, string>>, path: FieldPath): T {
  if (typeof value === 'string') return substitute(value, values, path) as T;
  if (Array.isArray(value)) return value.map((v, i) => substituteDeep(v, values, [...path, i])) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, substituteDeep(v, values, [...path, k])]);
    return Object.fromEntries(entries) as T;
  }
  return value;
}

/** Every string inside a JSON-like value with its path, for checking references at load time. */
export function stringsIn(value: unknown, path: FieldPath): { text: string; path: FieldPath }[] {
  if (typeof value === 'string') return [{ text: value, path }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...path, k]));
  }
  return [];
}

/**
 * Formats a field path the way validation errors name fields.
 * @example formatPath(['analysis', 'slo-burn-check', 'metrics', 0, 'successCondition']) // 'analysis.slo-burn-check.metrics[0].successCondition'
 */
export function formatPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function bareName(ref: string): string {
  return ref.startsWith('args.') ? ref.slice('args.'.length) : ref;
}
