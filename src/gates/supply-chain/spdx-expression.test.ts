import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leavesOf, parseSpdx, printSpdx, SpdxSyntaxError } from './spdx-expression.ts';

describe('SPDX expressions', () => {
  it('parses a license, "+", WITH and LicenseRefs', () => {
    assert.deepEqual(parseSpdx('MIT'), { type: 'license', id: 'MIT', orLater: false });
    assert.deepEqual(parseSpdx('GPL-2.0+'), { type: 'license', id: 'GPL-2.0', orLater: true });
    assert.deepEqual(parseSpdx('GPL-2.0-only WITH Classpath-exception-2.0'), {
      type: 'license',
      id: 'GPL-2.0-only',
      orLater: false,
      exception: 'Classpath-exception-2.0',
    });
    assert.equal(parseSpdx('DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2').type, 'license');
  });

  it('binds WITH tighter than AND, and AND tighter than OR', () => {
    assert.deepEqual(parseSpdx('MIT OR Apache-2.0 AND BSD-3-Clause'), {
      type: 'or',
      args: [
        { type: 'license', id: 'MIT', orLater: false },
        {
          type: 'and',
          args: [
            { type: 'license', id: 'Apache-2.0', orLater: false },
            { type: 'license', id: 'BSD-3-Clause', orLater: false },
          ],
        },
      ],
    });
    assert.equal(
      printSpdx(parseSpdx('(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0')),
      '(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0',
    );
  });

  it('flattens one operator and drops parentheses that change nothing', () => {
    assert.equal(printSpdx(parseSpdx('((MIT)) AND (ISC AND (0BSD))')), 'MIT AND ISC AND 0BSD');
    assert.equal(printSpdx(parseSpdx('(MIT AND ISC) OR Apache-2.0')), 'MIT AND ISC OR Apache-2.0');
    assert.equal(printSpdx(parseSpdx('mit or apache-2.0')), 'MIT OR Apache-2.0');
  });

  it('reads the expressions found in real SBOMs and lock files', () => {
    for (const text of [
      '(MIT AND CC-BY-3.0)',
      'GPL-2.0-or-later AND GPL-2.0-only AND MPL-2.0',
      'LGPL-2.1-only',
      '(MIT OR GPL-3.0-or-later)',
    ])
      assert.doesNotThrow(() => parseSpdx(text), text);
    assert.deepEqual(
      leavesOf(parseSpdx('(MIT AND CC-BY-3.0) OR Apache-2.0+')).map((l) => l.id),
      ['MIT', 'CC-BY-3.0', 'Apache-2.0'],
    );
  });

  it('takes license and exception ids from the SPDX license list, in its case', () => {
    assert.deepEqual(parseSpdx('apache-2.0 WITH llvm-exception'), {
      type: 'license',
      id: 'Apache-2.0',
      orLater: false,
      exception: 'LLVM-exception',
    });
    const cases: [string, RegExp][] = [
      ['Apache2', /: invalid SPDX expression "Apache2": "Apache2" at position 1 is not an SPDX license id$/],
      [
        'MIT OR Apache-2',
        /"Apache-2" at position 8 is not an SPDX license id \(did you mean "Apache-2\.0"\?\)$/,
      ],
      ['Apache 2', /"Apache" at position 1 is not an SPDX license id/],
      ['MIT OR GPL-2.0-only WITH Classpath', /"Classpath" at position 26 is not an SPDX exception id/],
      ['MIT AND Foo-License', /"Foo-License" at position 9 is not an SPDX license id/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseSpdx(text), message, text);
  });

  it('rejects what is not an expression, saying what was expected where', () => {
    const cases: [string, RegExp][] = [
      ['', /expected a license expression, found the end/],
      ['   ', /expected a license expression/],
      ['(MIT', /expected "\)", found the end/],
      ['MIT)', /expected AND, OR or the end, found "\)" at position 4/],
      ['MIT OR', /expected a license id or "\(", found the end/],
      ['AND MIT', /expected a license id or "\(", found "AND" at position 1/],
      ['MIT ISC', /expected AND, OR or the end, found "ISC" at position 5/],
      ['MIT WITH', /expected an exception id after WITH/],
      ['MIT WITH OR', /expected an exception id after WITH, found "OR"/],
      ['(MIT OR ISC) WITH Foo', /expected AND, OR or the end, found "WITH"/],
      ['LicenseRef-x+', /no "\+" after a LicenseRef-/],
      ['MIT/X11', /expected a license id/],
      ['SEE LICENSE IN LICENSE.md', /"SEE" at position 1 is not an SPDX license id/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseSpdx(text), SpdxSyntaxError, text);
      assert.throws(() => parseSpdx(text), message, text);
    }
  });
});
