import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ConfigIssue } from './errors.ts';
import { didYouMean } from './suggest.ts';
import type { Path, PositionIndex } from './positions.ts';

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** Validates `value` against a JSON Schema and returns positioned, readable issues. */
export function schemaIssues(
  schema: Record<string, unknown>,
  value: unknown,
  positions: PositionIndex,
  base: Path = [],
): ConfigIssue[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return pickErrors(validate.errors ?? []).map((e) => describe(e, positions, base));
}

/** Keeps the most useful error per location: anyOf summaries beat their branches. */
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const kept = errors.filter((e) => {
    if (e.keyword === 'anyOf') return true;
    return (
      !anyOfPaths.has(e.instancePath) && ![...anyOfPaths].some((p) => e.instancePath.startsWith(p + '/'))
    );
  });
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describe(e: ErrorObject, positions: PositionIndex, base: Path): ConfigIssue {
  const path = [...base, ...pointerToPath(e.instancePath)];
  const where = path.length ? path.join('.') : 'the file';
  const schema = e.parentSchema as { description?: string; properties?: Record<string, unknown> } | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(schema?.properties ?? {});
      const hint = allowed.length ? `expected one of: ${allowed.join(', ')}` : 'no keys are allowed here';
      return {
        ...positions.at([...path, key], { key: true }),
        message: `unknown key "${key}"${didYouMean(key, allowed)} in ${where} — ${hint}`,
      };
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return {
        ...positions.at(path, { key: true }),
        message: `${where} is missing "${key}" — it is required`,
      };
    }
    case 'propertyNames': {
      const key = String((e.params as { propertyName: string }).propertyName);
      return {
        ...positions.at([...path, key], { key: true }),
        message: `invalid name "${key}" in ${where} — expected letters, digits, "_" or "-", starting with a letter`,
      };
    }
    case 'anyOf':
      return {
        ...positions.at(path),
        message: `invalid ${where} — expected ${schema?.description ?? 'another form'}`,
      };
    case 'const':
      return {
        ...positions.at(path),
        message: `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`,
      };
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return {
        ...positions.at(path),
        message: `${where} is ${JSON.stringify(e.data)}${didYouMean(String(e.data), allowed)} — expected one of: ${allowed.join(', ')}`,
      };
    }
    case 'pattern': {
      const expected = schema?.description ?? `text matching ${(e.params as { pattern: string }).pattern}`;
      return {
        ...positions.at(path),
        message: `${where} is ${JSON.stringify(e.data)} — expected ${expected}`,
      };
    }
    case 'type':
      return {
        ...positions.at(path),
        message: `${where} must be ${article((e.params as { type: string }).type)}`,
      };
    default:
      return { ...positions.at(path), message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function article(type: string): string {
  const t = type.replace(/,/g, ' or ');
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
