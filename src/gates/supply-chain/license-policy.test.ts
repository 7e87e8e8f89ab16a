import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DENY, denyPatterns, judgeLicenses, leafMatches } from './license-policy.ts';
import { parseSpdx, type LicenseLeaf } from './spdx-expression.ts';

const defaults = { deny: denyPatterns(undefined) };
const verdict = (
  licenses: string[],
  policy: { deny: readonly string[]; allow?: readonly string[] } = defaults,
) => judgeLicenses(licenses, policy).verdict;
const leaf = (text: string) => parseSpdx(text) as LicenseLeaf;

describe('license policy', () => {
  it('classifies the issue-19 expressions as the SPDX license list says', () => {
    const judged = (text: string) => judgeLicenses([text], defaults);
    assert.deepEqual(judged('Apache2'), {
      verdict: 'unknown',
      licenses: 'Apache2',
      reasons: ['invalid SPDX expression "Apache2": "Apache2" at position 1 is not an SPDX license id'],
    });
    assert.deepEqual(judged('GPL-2.0+'), {
      verdict: 'denied',
      licenses: 'GPL-2.0+',
      reasons: ['GPL-2.0+ (deny GPL-*)'],
    });
    assert.deepEqual(judged('MIT OR Apache-2.0'), {
      verdict: 'allowed',
      licenses: 'MIT OR Apache-2.0',
      reasons: [],
    });
    assert.deepEqual(judged('LicenseRef-x'), {
      verdict: 'unknown',
      licenses: 'LicenseRef-x',
      reasons: ['LicenseRef-x is a custom license; allow it by name to accept it'],
    });
    assert.deepEqual(judged('GPL-3.0-only WITH Classpath-exception-2.0'), {
      verdict: 'denied',
      licenses: 'GPL-3.0-only WITH Classpath-exception-2.0',
      reasons: ['GPL-3.0-only WITH Classpath-exception-2.0 (deny GPL-*)'],
    });
    assert.equal(
      judgeLicenses(['LicenseRef-x'], { ...defaults, allow: ['LicenseRef-x', 'MIT'] }).verdict,
      'allowed',
    );
    assert.equal(judgeLicenses(['GPL-2.0+'], { deny: [], allow: ['GPL-2.0-or-later'] }).verdict, 'allowed');
  });

  it('denies the seed copyleft licenses (GPL, AGPL, SSPL) in every spelling by default', () => {
    for (const id of [
      'GPL-3.0-only',
      'GPL-3.0-or-later',
      'GPL-3.0',
      'GPL-2.0+',
      'gpl-2.0-only',
      'AGPL-3.0-only',
      'AGPL-1.0',
      'SSPL-1.0',
      'GPL-2.0-only WITH Classpath-exception-2.0',
      'EUPL-1.2',
      'BUSL-1.1',
      'CC-BY-NC-4.0',
    ])
      assert.equal(verdict([id]), 'denied', id);
  });

  it('allows permissive and weak copyleft licenses by default', () => {
    for (const id of [
      'MIT',
      'Apache-2.0',
      'BSD-3-Clause',
      'ISC',
      '0BSD',
      'LGPL-2.1-only',
      'MPL-2.0',
      'EPL-2.0',
      'CC0-1.0',
    ])
      assert.equal(verdict([id]), 'allowed', id);
  });

  it('takes the best choice of an OR and the worst part of an AND', () => {
    assert.equal(verdict(['MIT OR GPL-3.0-only']), 'allowed');
    assert.equal(verdict(['MIT AND GPL-3.0-only']), 'denied');
    assert.equal(verdict(['(MIT OR GPL-3.0-only) AND (AGPL-3.0-only OR Apache-2.0)']), 'allowed');
    assert.equal(verdict(['(MIT AND GPL-3.0-only) OR AGPL-3.0-only']), 'denied');
    assert.equal(verdict(['MIT AND LicenseRef-Custom']), 'unknown');
    assert.equal(verdict(['GPL-2.0-only OR LicenseRef-Custom']), 'unknown');
    assert.equal(verdict(['GPL-2.0-only AND LicenseRef-Custom']), 'denied');
  });

  it('needs every entry of a licenses list to pass', () => {
    assert.equal(verdict(['MIT', 'Apache-2.0']), 'allowed');
    const d = judgeLicenses(['MIT', 'GPL-2.0-or-later AND GPL-2.0-only AND MPL-2.0'], defaults);
    assert.equal(d.verdict, 'denied');
    assert.deepEqual(d.reasons, ['GPL-2.0-or-later (deny GPL-*)', 'GPL-2.0-only (deny GPL-*)']);
    assert.equal(d.licenses, 'MIT; GPL-2.0-or-later AND GPL-2.0-only AND MPL-2.0');
  });

  it('calls missing, unreadable, custom and NOASSERTION licenses unknown, with the reason', () => {
    assert.deepEqual(judgeLicenses([], defaults), {
      verdict: 'unknown',
      licenses: '(none)',
      reasons: ['no license'],
    });
    assert.deepEqual(judgeLicenses(['Apache 2'], defaults).reasons, [
      'invalid SPDX expression "Apache 2": "Apache" at position 1 is not an SPDX license id',
    ]);
    assert.equal(verdict(['SEE LICENSE IN LICENSE.md']), 'unknown');
    assert.equal(verdict(['NOASSERTION']), 'unknown');
    assert.equal(verdict(['UNLICENSED']), 'unknown');
    assert.match(judgeLicenses(['LicenseRef-DB-Designs'], defaults).reasons[0] ?? '', /custom license/);
  });

  it('with an allow list, accepts only what it names, and an allowed license wins over deny', () => {
    const policy = {
      deny: denyPatterns(undefined),
      allow: ['MIT', 'Apache-2.0', 'GPL-2.0-only WITH Classpath-exception-2.0'],
    };
    assert.equal(verdict(['MIT'], policy), 'allowed');
    assert.deepEqual(judgeLicenses(['ISC'], policy).reasons, ['ISC (not in allow)']);
    assert.equal(verdict(['GPL-2.0-only WITH Classpath-exception-2.0'], policy), 'allowed');
    assert.equal(verdict(['GPL-2.0-only'], policy), 'denied');
    assert.equal(verdict(['LicenseRef-Internal'], { deny: [], allow: ['LicenseRef-Internal'] }), 'allowed');
  });

  it('matches patterns case-insensitively, with * and the GNU -only/-or-later spellings', () => {
    assert.ok(leafMatches('GPL-*', leaf('gpl-3.0-only')));
    assert.ok(!leafMatches('GPL-*', leaf('LGPL-2.1-only')));
    assert.ok(!leafMatches('GPL-*', leaf('AGPL-3.0-only')));
    assert.ok(leafMatches('GPL-2.0-or-later', leaf('GPL-2.0+')));
    assert.ok(leafMatches('GPL-2.0-only', leaf('GPL-2.0')));
    assert.ok(!leafMatches('GPL-2.0-only', leaf('GPL-2.0+')));
    assert.ok(leafMatches('GPL-2.0-only', leaf('GPL-2.0-only WITH Classpath-exception-2.0')));
    assert.ok(!leafMatches('GPL-2.0-only WITH Classpath-exception-2.0', leaf('GPL-2.0-only')));
    assert.ok(
      leafMatches('GPL-2.0-only with classpath-*', leaf('GPL-2.0-only WITH Classpath-exception-2.0')),
    );
    assert.ok(!leafMatches('MIT.*', leaf('MIT-0')), 'a dot is literal');
  });

  it('extends the defaults with the "defaults" token, or replaces them', () => {
    assert.deepEqual(denyPatterns(['defaults', 'LGPL-*']), [...DEFAULT_DENY.map((d) => d.pattern), 'LGPL-*']);
    assert.equal(verdict(['LGPL-2.1-only'], { deny: denyPatterns(['defaults', 'LGPL-*']) }), 'denied');
    assert.equal(verdict(['GPL-3.0-only'], { deny: denyPatterns(['LGPL-*']) }), 'allowed');
  });
});
