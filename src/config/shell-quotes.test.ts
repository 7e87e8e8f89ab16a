import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { singleQuotedTemplates } from './shell-quotes.ts';

describe('singleQuotedTemplates', () => {
  it('finds a ${{ }} bash would leave literal: in single quotes and $-single quotes', () => {
    assert.deepEqual(singleQuotedTemplates("jq --arg v '${{ sha }}'"), [12]);
    assert.deepEqual(singleQuotedTemplates("echo $'${{ sha }}'"), [7]);
    assert.deepEqual(singleQuotedTemplates("echo 'a' '${{ a }}' \"${{ b }}\""), [10]);
  });

  it('leaves those bash expands: bare, double-quoted, an escaped quote, a quote inside double quotes, comments', () => {
    assert.deepEqual(singleQuotedTemplates('echo ${{ sha }} "${{ sha }}"'), []);
    assert.deepEqual(singleQuotedTemplates("echo \\'${{ sha }}"), []);
    assert.deepEqual(singleQuotedTemplates('echo "it\'s ${{ sha }}"'), []);
    assert.deepEqual(singleQuotedTemplates("echo ${{ sha }} # it's '${{ sha }}'\necho ok"), []);
    assert.deepEqual(singleQuotedTemplates("echo a#'${{ sha }}'"), [8]);
  });

  it("heredocs: an apostrophe in the body is text; a quoted delimiter's body expands nothing", () => {
    const open = 'cat <<EOF\nDon\'t panic\nEOF\necho "${{ sha }}"';
    assert.deepEqual(singleQuotedTemplates(open), []);
    assert.deepEqual(singleQuotedTemplates('cat <<EOF | grep x\nv=${{ sha }}\nEOF'), []);
    const quoted = "cat <<'EOF' > notes\nv=${{ sha }}\nEOF\necho ${{ sha }}";
    assert.deepEqual(singleQuotedTemplates(quoted), [quoted.indexOf('${{')]);
    assert.deepEqual(singleQuotedTemplates('cat <<-"END"\n\tv=${{ sha }}\n\tEND\necho ok').length, 1);
    assert.deepEqual(singleQuotedTemplates('cat <<< "it\'s ${{ sha }}"'), []);
  });

  it('a template wrapped in double quotes is never reported, whatever surrounds it (property)', () => {
    const safe = fc.stringMatching(/^[a-z ;|]*$/);
    fc.assert(
      fc.property(fc.array(safe, { maxLength: 5 }), (words) => {
        assert.deepEqual(singleQuotedTemplates(words.map((w) => `${w} "\${{ x }}"`).join(' ')), []);
        assert.equal(
          singleQuotedTemplates(words.map((w) => `${w} '\${{ x }}'`).join(' ')).length,
          words.length,
        );
      }),
    );
  });
});
