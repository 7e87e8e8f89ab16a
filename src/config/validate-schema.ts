import type * as AjvModule from 'ajv';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT, RUNNING_BUILT } from '../package-root.ts';
import type { ConfigIssue } from './errors.ts';
import { closest, didYouMean } from './suggest.ts';
import type { Path, PositionIndex } from './positions.ts';

/** How every schema is compiled, at run time or ahead of time (scripts/build.ts). */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, verbose: true };

const require = createRequire(import.meta.url);
/** Where scripts/build.ts writes the validators it compiled ahead of time. */
export const PRECOMPILED_VALIDATORS = join(PACKAGE_ROOT, 'dist', 'schema-validators.cjs');
const compiled = new WeakMap<object, ValidateFunction>();
let ajv: Ajv | undefined;
let ahead: Record<string, ValidateFunction> | null | undefined;

/**
 * The name a schema's ahead-of-time validator is stored under: two 32-bit FNV-1a hashes of its JSON
 * and the JSON's length, so a schema changed after the build never meets a validator built for another.
 */
export function schemaKey(schema: object): string {
  const json = JSON.stringify(schema);
  return `v${fnv1a(json, 0x811c9dc5).toString(36)}_${fnv1a(json, 0x2f8c3a1b).toString(36)}_${json.length}`;
}

function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A validator for `schema`: built ahead of time when the package has one, else compiled now. */
function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate) return validate;
  if (ahead === undefined) ahead = precompiled();
  validate = ahead?.[schemaKey(schema)];
  if (!validate) {
    if (!ajv) {
      const { Ajv: AjvClass } = require('ajv') as typeof AjvModule;
      ajv = new AjvClass(AJV_OPTIONS);
    }
    validate = ajv.compile(schema);
  }
  compiled.set(schema, validate);
  return validate;
}

/** The validators scripts/build.ts wrote beside the built module; none when running sources. */
function precompiled(): Record<string, ValidateFunction> | null {
  if (!RUNNING_BUILT) return null;
  try {
    return require(PRECOMPILED_VALIDATORS) as Record<string, ValidateFunction>;
  } catch {
    return null;
  }
}

/** Validates `value` against a JSON Schema and returns positioned, readable issues. */
export function schemaIssues(
  schema: Record<string, unknown>,
  value: unknown,
  positions: PositionIndex,
  base: Path = [],
): ConfigIssue[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  return pickErrors(validate.errors ?? []).map((e) => describe(e, positions, base));
}

/** Keeps the most useful error per location: anyOf summaries beat their branches. */
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const kept = errors.filter((e) => {
    // a failed `if`/`then` says only "must match then"; the `then` errors say what is missing
    if (e.keyword === 'if') return false;
    if (e.keyword === 'anyOf') return true;
    return (
      !anyOfPaths.has(e.instancePath) && ![...anyOfPaths].some((p) => e.instancePath.startsWith(p + '/'))
    );
  });
  // a misspelt required key ("stepz" for "steps") is one mistake: name the typo, not the absence
  const misspelt = new Set(
    kept
      .filter((e) => e.keyword === 'additionalProperties')
      .map((e) => {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const required = kept
          .filter((r) => r.keyword === 'required' && r.instancePath === e.instancePath)
          .map((r) => String((r.params as { missingProperty: string }).missingProperty));
        const meant = closest(key, required);
        return meant === undefined ? '' : `${e.instancePath}|${meant}`;
      }),
  );
  const seen = new Set<string>();
  return kept.filter((e) => {
    if (
      e.keyword === 'required' &&
      misspelt.has(`${e.instancePath}|${String((e.params as { missingProperty: string }).missingProperty)}`)
    )
      return false;
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
        message: `${where} must be ${article(String((e.params as { type: string | string[] }).type))}`,
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
