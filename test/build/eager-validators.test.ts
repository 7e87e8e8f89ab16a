import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Script } from 'node:vm';
import { Ajv, type ValidateFunction } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import fc from 'fast-check';
import { parse } from 'yaml';
import { ACTIONS } from '../../src/actions/registry.ts';
import { PIPELINE_SCHEMA } from '../../src/config/schema.ts';
import { AJV_OPTIONS, schemaKey } from '../../src/config/validate-schema.ts';
import { eagerValidators } from '../../scripts/eager-validators.ts';
import { REPO } from '../e2e/helpers.ts';

/** The module scripts/build.ts writes before the rewrite: every schema Runway validates against. */
function standaloneModule(): string {
  const schemas: Record<string, object> = { [schemaKey(PIPELINE_SCHEMA)]: PIPELINE_SCHEMA };
  for (const action of ACTIONS.values()) schemas[schemaKey(action.inputs)] = action.inputs;
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  for (const [key, schema] of Object.entries(schemas)) ajv.addSchema(schema, key);
  const code = standalone as unknown as (a: Ajv, refs: Record<string, string>) => string;
  return code(ajv, Object.fromEntries(Object.keys(schemas).map((k) => [k, k])));
}

const FILENAME = join(REPO, 'dist', 'validators-under-test.cjs');
const wrap = (code: string) => `(function (exports, require, module) {${code}\n})`;

function load(code: string): Record<string, ValidateFunction> {
  const module = { exports: {} as Record<string, ValidateFunction> };
  const fn = new Script(wrap(code), { filename: FILENAME }).runInThisContext() as (
    e: object,
    r: NodeJS.Require,
    m: object,
  ) => void;
  fn(module.exports, createRequire(FILENAME), module);
  return module.exports;
}

/** Bytes of V8's code cache made right after compiling, before any function runs (what Node caches). */
const cacheAfterCompile = (code: string) =>
  new Script(wrap(code), { filename: FILENAME }).createCachedData().length;

const original = standaloneModule();
const eager = eagerValidators(original);
const before = load(original);
const after = load(eager);
const PIPELINE = schemaKey(PIPELINE_SCHEMA);
const examples = [
  'examples/runway.yaml',
  'examples/companyos/runway.yaml',
  'examples/dawsos/runway.yaml',
].map((f) => parse(readFileSync(join(REPO, f), 'utf8')) as Record<string, unknown>);

function verdict(validate: ValidateFunction, value: unknown) {
  const ok = validate(value);
  return { ok, errors: validate.errors ?? null };
}

describe('scripts/eager-validators.ts', () => {
  it('exports the same validators, which compile with the file: the code cache then holds their bytecode', () => {
    assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
    assert.ok(Object.keys(after).length > 1);
    const lazy = cacheAfterCompile(original);
    const compiled = cacheAfterCompile(eager);
    assert.ok(compiled > 4 * lazy, `code cache ${compiled} bytes with the rewrite, ${lazy} without`);
  });

  it('accepts the example pipelines and rejects a broken one exactly as before, errors included', () => {
    for (const value of examples) {
      assert.deepEqual(verdict(after[PIPELINE]!, value), verdict(before[PIPELINE]!, value));
      assert.equal(after[PIPELINE]!(value), true);
    }
    const broken = { ...examples[0], stages: { build: { stepz: [] } }, version: 2 };
    const want = verdict(before[PIPELINE]!, broken);
    assert.equal(want.ok, false);
    assert.deepEqual(verdict(after[PIPELINE]!, broken), want);
  });

  it('gives every validator the same verdict and errors on mutated pipelines and inputs', () => {
    const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 6 }));
    const keys = Object.keys(before);
    fc.assert(
      fc.property(
        fc.constantFrom(...examples),
        fc.array(fc.tuple(fc.nat(), leaf), { maxLength: 4 }),
        fc.constantFrom(...keys),
        (example, edits, key) => {
          const value = structuredClone(example);
          for (const [at, replacement] of edits) mutate(value, at, replacement);
          assert.deepEqual(verdict(after[key]!, value), verdict(before[key]!, value));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Replaces the `at`-th node of a depth-first walk (modulo its size) with `replacement`. */
function mutate(root: Record<string, unknown>, at: number, replacement: unknown): void {
  const slots: [Record<string, unknown>, string][] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      slots.push([node as Record<string, unknown>, k]);
      walk(v);
    }
  };
  walk(root);
  if (slots.length === 0) return;
  const [parent, key] = slots[at % slots.length]!;
  parent[key] = replacement;
}
