import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeyValues, typeEvidence } from './outputs.ts';

describe('parseKeyValues', () => {
  it('reads key=value lines, skipping blank lines', () => {
    assert.deepEqual(parseKeyValues('version=1.4.2\n\ndigest=sha256:abc\n', 'out'), {
      version: '1.4.2',
      digest: 'sha256:abc',
    });
  });

  it('accepts CRLF line endings', () => {
    assert.deepEqual(parseKeyValues('a=1\r\nb=2\r\n', 'out'), { a: '1', b: '2' });
  });

  it('keeps everything after the first "=" as the value, including "=" and spaces', () => {
    assert.deepEqual(parseKeyValues('url=https://x.test/?a=b&c=d\nnote= spaced out \nempty=\n', 'out'), {
      url: 'https://x.test/?a=b&c=d',
      note: ' spaced out ',
      empty: '',
    });
  });

  it('accepts dotted and dashed keys', () => {
    assert.deepEqual(parseKeyValues('coverage.lines=83\nimage-tag=v1\n_x=1\n', 'out'), {
      'coverage.lines': '83',
      'image-tag': 'v1',
      _x: '1',
    });
  });

  it('lets a later key win', () => {
    assert.deepEqual(parseKeyValues('v=1\nv=2\n', 'out'), { v: '2' });
  });

  it('reads multi-line values from key<<DELIMITER blocks', () => {
    const text = 'notes<<EOF\nline one\n\nkey=not a key\nEOF\nafter=1\nempty<<END\nEND\n';
    assert.deepEqual(parseKeyValues(text, 'out'), {
      notes: 'line one\n\nkey=not a key',
      after: '1',
      empty: '',
    });
  });

  it('closes a block only at a line that is exactly the delimiter', () => {
    const text = 'body<<EOF\n EOF\nEOFX\nEOF\n';
    assert.deepEqual(parseKeyValues(text, 'out'), { body: ' EOF\nEOFX' });
  });

  it('reports a block that is never closed with the file and line of its start', () => {
    assert.throws(() => parseKeyValues('a=1\n\nnotes<<EOF\nline\nEO\n', '/tmp/run/output'), {
      message: '/tmp/run/output:3: "notes<<EOF" is never closed by a line "EOF"',
    });
  });

  it('reports a line that is neither form with the file, line and the line itself', () => {
    assert.throws(() => parseKeyValues('ok=1\njust some text\n', 'steps/out.env'), {
      message: 'steps/out.env:2: expected key=value or key<<DELIMITER, got "just some text"',
    });
    assert.throws(() => parseKeyValues('=value\n', 'f'), /^Error: f:1: expected key=value/);
    assert.throws(() => parseKeyValues('1abc=value\n', 'f'), /f:1: /);
    assert.throws(() => parseKeyValues('my key=value\n', 'f'), /f:1: /);
  });

  it('cuts a long bad line to 40 characters in the message', () => {
    const line = 'x'.repeat(100);
    assert.throws(() => parseKeyValues(line, 'f'), {
      message: `f:1: expected key=value or key<<DELIMITER, got "${'x'.repeat(40)}"`,
    });
  });
});

describe('typeEvidence', () => {
  it('turns numbers into numbers', () => {
    assert.equal(typeEvidence('42'), 42);
    assert.equal(typeEvidence('-3'), -3);
    assert.equal(typeEvidence('83.25'), 83.25);
    assert.equal(typeEvidence('.5'), 0.5);
    assert.equal(typeEvidence('1e3'), 1000);
    assert.equal(typeEvidence('2.5E-2'), 0.025);
    assert.equal(typeEvidence(' 7 \n'), 7);
  });

  it('turns percentages into their number', () => {
    assert.equal(typeEvidence('83.2%'), 83.2);
    assert.equal(typeEvidence('100%'), 100);
    assert.equal(typeEvidence('0%'), 0);
  });

  it('turns exactly true and false into booleans', () => {
    assert.equal(typeEvidence('true'), true);
    assert.equal(typeEvidence('false'), false);
    assert.equal(typeEvidence(' true\n'), true);
    assert.equal(typeEvidence('True'), 'True');
    assert.equal(typeEvidence('yes'), 'yes');
  });

  it('keeps everything else as the original text', () => {
    for (const text of [
      'v1.2.3',
      '1.2.3',
      '0x10',
      '1,000',
      '5.',
      '+5',
      'Infinity',
      'NaN',
      '%',
      '',
      ' A grade ',
      '12 ms',
    ]) {
      assert.equal(typeEvidence(text), text, JSON.stringify(text));
    }
  });
});
