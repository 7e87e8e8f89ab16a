/*
 * Property-based fuzzing of every parser that reads user files: each input ends in a result or in one
 * clear error (an Error whose message names the file), never a crash (RangeError, TypeError…).
 * Real reports from test/fixtures are mutated; test/fixtures/fuzz holds inputs that once failed.
 * FUZZ_RUNS sets the cases per parser (default 200, within `npm test`'s budget).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/errors.ts';
import { parsePipeline } from '../../src/config/load.ts';
import { parseKeyValues } from '../../src/engine/outputs.ts';
import { parseCoverage } from '../../src/gates/quality/coverage.ts';
import { parseJUnit } from '../../src/gates/quality/junit.ts';
import { decodeXml } from '../../src/gates/quality/xml.ts';
import { parseSarif, SarifError } from '../../src/gates/security/sarif.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);

const seeds = (folder: string, match: RegExp): string[] =>
  readdirSync(join(FIXTURES, folder))
    .filter((f) => match.test(f))
    .map((f) => readFileSync(join(FIXTURES, folder, f), 'latin1'));

const corpus = (prefix: string): string[] =>
  readdirSync(join(FIXTURES, 'fuzz'))
    .filter((f) => f.startsWith(prefix))
    .map((f) => readFileSync(join(FIXTURES, 'fuzz', f), 'utf8'));

/** A seed cut, spliced with random text, or with a slice repeated: the ways real files go wrong. */
function mutated(pool: readonly string[]): fc.Arbitrary<string> {
  const tokens = fc.constantFrom(
    '\n',
    '<',
    '>',
    '"',
    ':',
    ',',
    '{',
    '}',
    '[',
    ']',
    '&a',
    '*a',
    '-1',
    '1e999',
    'NaN',
    '\u0000',
    '\uFEFF',
    'end_of_record',
    'DA:',
    'SF:x',
  );
  return fc
    .tuple(
      fc.constantFrom(...pool),
      fc.nat(),
      fc.nat(),
      fc.array(fc.oneof(tokens, fc.string({ maxLength: 8 })), { maxLength: 6 }),
    )
    .map(([seed, a, b, insert]) => {
      const i = seed.length === 0 ? 0 : a % seed.length;
      const j = seed.length === 0 ? 0 : b % seed.length;
      return seed.slice(0, Math.min(i, j)) + insert.join('') + seed.slice(Math.max(i, j));
    });
}

const inputs = (pool: readonly string[]) => fc.oneof(mutated(pool), fc.string({ maxLength: 200 }));

/** Runs `parse`; a thrown error must be a plain, named Error with a one-line message. */
function answers(parse: () => unknown, allowed: readonly (new (...a: never[]) => Error)[] = [Error]): void {
  try {
    parse();
  } catch (err) {
    assert.ok(
      allowed.some((kind) => (err as Error).constructor === kind),
      `crashed: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`,
    );
    assert.ok((err as Error).message.length > 0);
  }
}

const cases: [string, readonly string[], (text: string) => void, (new (...a: never[]) => Error)[]?][] = [
  ['lcov', [...seeds('coverage', /\.info$/), ...corpus('lcov-')], (t) => parseCoverage('lcov', t, 'f')],
  [
    'cobertura',
    [...seeds('coverage', /cobertura.*\.xml$/), ...corpus('cobertura-')],
    (t) => parseCoverage('cobertura', t, 'f'),
  ],
  [
    'istanbul',
    [...seeds('coverage', /istanbul.*\.json$/), ...corpus('istanbul-')],
    (t) => parseCoverage('istanbul', t, 'f'),
  ],
  ['junit', [...seeds('junit', /\.xml$/), ...corpus('junit-')], (t) => parseJUnit(t, 'f')],
  ['junit bytes', seeds('junit', /\.xml$/), (t) => parseJUnit(decodeXml(Buffer.from(t, 'latin1'), 'f'), 'f')],
  [
    'sarif',
    [...seeds('sarif', /\.sarif$/), ...corpus('sarif-')],
    (t) => parseSarif(t, 'f'),
    [SarifError, Error],
  ],
  [
    'runway.yaml',
    [...seeds('invalid', /\.yaml$/), ...corpus('yaml-')],
    (t) => parsePipeline(t, 'runway.yaml', '/tmp'),
    [ConfigError],
  ],
  [
    'step outputs',
    ['a=1\nb<<EOT\nx\nEOT\n', ...corpus('keyvalues-')],
    (t) => parseKeyValues(t, '$RUNWAY_OUTPUT'),
  ],
];

describe('fuzzing: every parser answers every input with a result or one clear error', () => {
  for (const [name, pool, parse, allowed] of cases) {
    it(`${name}: the kept corpus, then ${RUNS} random cases`, () => {
      for (const text of pool) answers(() => parse(text), allowed);
      fc.assert(
        fc.property(inputs(pool), (text) => answers(() => parse(text), allowed)),
        { numRuns: RUNS },
      );
    });
  }
});
