import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { parseSpdx, printSpdx, type LicenseExpression, type LicenseLeaf } from './spdx-expression.ts';

const require = createRequire(import.meta.url);
const licenseId = fc.constantFrom(...(require('spdx-license-ids') as string[]));
const exceptionId = fc.constantFrom(...(require('spdx-exceptions') as string[]));
const idString = fc
  .stringMatching(/^[A-Za-z0-9][A-Za-z0-9.-]{0,12}$/)
  .filter((s) => !/^(and|or|with)$/i.test(s));

const leaf: fc.Arbitrary<LicenseLeaf> = fc
  .record({
    id: fc.oneof(
      licenseId,
      idString.map((s) => `LicenseRef-${s}`),
    ),
    orLater: fc.boolean(),
    exception: fc.option(exceptionId, { nil: undefined }),
  })
  .map(({ id, orLater, exception }) => ({
    type: 'license' as const,
    id,
    orLater: orLater && !id.startsWith('LicenseRef-'),
    ...(exception !== undefined ? { exception } : {}),
  }));

/** Expressions in the parser's normal form: n-ary, at least two arguments, never nested in their own kind. */
const expression: fc.Arbitrary<LicenseExpression> = fc.letrec<{ node: LicenseExpression }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .constantFrom('and' as const, 'or' as const)
      .chain((type) =>
        fc
          .array(tie('node'), { minLength: 2, maxLength: 4 })
          .map((args) => ({ type, args: args.flatMap((a) => (a.type === type ? a.args : [a])) })),
      ),
  ),
})).node;

test('print then parse gives back the same expression', () => {
  fc.assert(
    fc.property(expression, (e) => {
      assert.deepEqual(parseSpdx(printSpdx(e)), e);
    }),
  );
});

test('printing is canonical: parse then print is stable, whatever the spacing and extra parentheses', () => {
  fc.assert(
    fc.property(expression, fc.integer({ min: 0, max: 2 }), (e, padding) => {
      const text = printSpdx(e);
      const noisy = `${' '.repeat(padding)}(${text.replaceAll(' ', ' '.repeat(padding + 1))})`;
      assert.equal(printSpdx(parseSpdx(noisy)), text);
    }),
  );
});

test('what parses is what spdx-expression-parse, the reference parser, reads: the same licenses in order', () => {
  const reference = require('spdx-expression-parse') as (text: string) => unknown;
  const leaves = (node: unknown): string[] => {
    const n = node as {
      license?: string;
      plus?: boolean;
      exception?: string;
      left?: unknown;
      right?: unknown;
    };
    if (n.license !== undefined)
      return [`${n.license}${n.plus ? '+' : ''}${n.exception ? ` WITH ${n.exception}` : ''}`];
    return [...leaves(n.left), ...leaves(n.right)];
  };
  fc.assert(
    fc.property(expression, (e) => {
      const text = printSpdx(e);
      const ours = (function walk(x: LicenseExpression): string[] {
        return x.type === 'license' ? [printSpdx(x)] : x.args.flatMap(walk);
      })(parseSpdx(text));
      assert.deepEqual(leaves(reference(text)), ours);
    }),
  );
});
