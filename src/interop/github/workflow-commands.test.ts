import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addMask, annotation, escapeData } from './workflow-commands.ts';
import { formatOutputs } from './output-file.ts';

/** The runner's own unescaping of command data. */
function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

describe('workflow commands', () => {
  it('escapes a multi-line message and the separators in properties', () => {
    assert.equal(
      annotation('error', '50% failed\nsee logs', { file: 'a,b:c.yaml', line: 3, col: 7, title: 'x: y' }),
      '::error file=a%2Cb%3Ac.yaml,line=3,col=7,title=x%3A y::50%25 failed%0Asee logs',
    );
    assert.equal(annotation('warning', 'plain'), '::warning::plain');
  });

  it('keeps every message on one line and gives it back unchanged', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = escapeData(text);
        assert.ok(!/[\r\n]/.test(escaped));
        assert.equal(unescapeData(escaped), text);
      }),
    );
  });

  it('masks each line of a multi-line secret', () => {
    assert.deepEqual(addMask('line-one\nline-two\n'), ['::add-mask::line-one', '::add-mask::line-two']);
  });
});

describe('GITHUB_OUTPUT', () => {
  it('picks another delimiter when the value contains the first one', () => {
    const delimiters = ['EOF', 'EOF2'];
    const text = formatOutputs({ notes: 'a\nEOF\nb' }, () => delimiters.shift() ?? 'never');
    assert.equal(text, 'notes<<EOF2\na\nEOF\nb\nEOF2\n');
  });

  it('refuses a name GitHub would not accept', () => {
    assert.throws(() => formatOutputs({ 'a b': 'x' }), /output name "a b" is not valid/);
  });
});

describe('GITHUB_OUTPUT round trip', () => {
  /** The runner's reading of a heredoc output file. */
  function readBack(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    const lines = text.split('\n');
    for (let i = 0; i < lines.length - 1; i++) {
      const [, name, delimiter] = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '') ?? [];
      assert.ok(name && delimiter, `not a heredoc: ${lines[i]}`);
      const value: string[] = [];
      for (i++; lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
      out[name] = value.join('\n');
    }
    return out;
  }

  it('gives every value back unchanged, whatever lines it holds', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,20}$/).filter((n) => n !== '__proto__');
    fc.assert(
      fc.property(fc.dictionary(name, fc.string()), (outputs) => {
        assert.deepEqual(readBack(formatOutputs(outputs)), { ...outputs });
      }),
    );
  });
});
