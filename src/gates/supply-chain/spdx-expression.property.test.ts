import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseSpdx, printSpdx, type LicenseExpression, type LicenseLeaf } from './spdx-expression.ts';

const idString = fc
  .stringMatching(/^[A-Za-z0-9][A-Za-z0-9.-]{0,12}$/)
  .filter((s) => !/^(and|or|with)$/i.test(s));

const leaf: fc.Arbitrary<LicenseLeaf> = fc
  .record({
    id: fc.oneof(
      idString,
      idString.map((s) => `LicenseRef-${s}`),
    ),
    orLater: fc.boolean(),
    exception: fc.option(idString, { nil: undefined }),
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
