import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TYPES, lintMessage, type LintOptions, type LintResult } from './conventional.ts';

const opts: LintOptions = { types: DEFAULT_TYPES, headerMaxLength: 100 };

function problems(result: LintResult): string[] {
  assert.equal(result.ok, false, `expected problems, got ${JSON.stringify(result)}`);
  return result.ok ? [] : result.problems;
}

describe('lintMessage', () => {
  it('accepts a plain header and returns its parts', () => {
    assert.deepEqual(lintMessage('fix: handle empty carts', opts), {
      ok: true,
      ignored: false,
      header: { type: 'fix', breaking: false, subject: 'handle empty carts' },
    });
  });

  it('accepts a scope', () => {
    assert.deepEqual(lintMessage('feat(api): add quotes endpoint', opts), {
      ok: true,
      ignored: false,
      header: { type: 'feat', scope: 'api', breaking: false, subject: 'add quotes endpoint' },
    });
  });

  it('marks "!" before the colon as breaking', () => {
    const result = lintMessage('feat(api)!: drop v1 routes', opts);
    assert.deepEqual(result, {
      ok: true,
      ignored: false,
      header: { type: 'feat', scope: 'api', breaking: true, subject: 'drop v1 routes' },
    });
    assert.equal(lintMessage('refactor!: rename everything', opts).ok, true);
  });

  it('marks a BREAKING CHANGE footer as breaking', () => {
    for (const footer of ['BREAKING CHANGE: v1 routes are gone', 'BREAKING-CHANGE: v1 routes are gone']) {
      const result = lintMessage(`feat: drop v1\n\nbody text\n\n${footer}`, opts);
      assert.ok(result.ok && !result.ignored && result.header?.breaking === true, footer);
    }
    const notFooter = lintMessage('feat: x\n\nmentions a BREAKING CHANGE: in prose', opts);
    assert.ok(notFooter.ok && notFooter.header?.breaking === false);
  });

  it('accepts a body after a blank line and CRLF line endings', () => {
    assert.equal(lintMessage('docs: explain gates\n\nLonger text.\nMore.', opts).ok, true);
    assert.equal(lintMessage('docs: explain gates\r\n\r\nLonger text.', opts).ok, true);
  });

  it('accepts every default type', () => {
    for (const type of DEFAULT_TYPES) assert.equal(lintMessage(`${type}: do things`, opts).ok, true, type);
  });

  it('rejects a type outside the list, listing the allowed ones', () => {
    const [problem] = problems(lintMessage('feature: add quotes', opts));
    assert.equal(problem, `type "feature" is not one of: ${DEFAULT_TYPES.join(', ')}`);
    const custom = lintMessage('fix: x', { types: ['feat'], headerMaxLength: 100 });
    assert.deepEqual(problems(custom), ['type "fix" is not one of: feat']);
  });

  it('rejects headers without "type: subject"', () => {
    for (const header of [
      'add quotes',
      'feat add quotes',
      'feat:add quotes',
      'feat : add quotes',
      'Feat: add quotes',
      'feat(): add quotes',
      'feat(api: add quotes',
      'feat: ',
    ]) {
      assert.deepEqual(
        problems(lintMessage(header, opts)),
        [`the header ${JSON.stringify(header)} does not match "type(scope)?: subject"`],
        header,
      );
    }
  });

  it('rejects a header longer than the limit, giving both lengths', () => {
    const header = `feat: ${'x'.repeat(95)}`; // 101 characters
    assert.deepEqual(problems(lintMessage(header, opts)), [
      'the header is 101 characters, at most 100 are allowed',
    ]);
    assert.equal(lintMessage(header.slice(0, 100), opts).ok, true);
    assert.deepEqual(problems(lintMessage('feat: twenty-one char', { ...opts, headerMaxLength: 20 })), [
      'the header is 21 characters, at most 20 are allowed',
    ]);
  });

  it('rejects a body that is not separated by a blank line', () => {
    assert.deepEqual(problems(lintMessage('fix: x\nbody right away', opts)), [
      'the body must be separated from the header by a blank line',
    ]);
  });

  it('rejects a subject ending with a full stop', () => {
    assert.deepEqual(problems(lintMessage('fix: handle carts.', opts)), [
      'the subject must not end with a full stop',
    ]);
  });

  it('reports every problem at once', () => {
    const result = problems(lintMessage(`feature: ${'y'.repeat(100)}.\nbody`, opts));
    assert.equal(result.length, 4, result.join('\n'));
  });

  it('ignores merge, revert and fixup commits', () => {
    for (const message of [
      'Merge pull request #12 from ada/quotes\n\nfeat: quotes',
      "Merge branch 'main' into feature",
      "Merge remote-tracking branch 'origin/main'",
      'Merge tag v1.2.0',
      'Revert "feat: add quotes"\n\nThis reverts commit abc.',
      'fixup! feat: add quotes',
      'squash! fix: y',
      'amend! fix: y',
    ]) {
      assert.deepEqual(lintMessage(message, opts), { ok: true, ignored: true }, message);
    }
  });

  it('does not ignore commits that only look similar', () => {
    assert.equal(lintMessage('Merged stuff', opts).ok, false);
    assert.equal(lintMessage('revert: feat: add quotes', opts).ok, true);
  });

  it('rejects an empty message', () => {
    for (const message of ['', '   ', '\n']) {
      assert.deepEqual(
        problems(lintMessage(message, opts)),
        ['the commit message is empty'],
        JSON.stringify(message),
      );
    }
  });
});
