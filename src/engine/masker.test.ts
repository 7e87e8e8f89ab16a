import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MASK, maskText, secretPatterns, StreamMasker } from './masker.ts';

/** Feeds `chunks` through a fresh StreamMasker and returns everything it emitted. */
function stream(patterns: readonly string[], chunks: readonly string[]): string {
  const masker = new StreamMasker(patterns);
  return chunks.map((c) => masker.push(c)).join('') + masker.end();
}

/** Cuts `text` at the given positions (any order, repeats allowed, taken modulo the length). */
function split(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const c of at) {
    chunks.push(text.slice(from, c));
    from = c;
  }
  chunks.push(text.slice(from));
  return chunks;
}

describe('maskText', () => {
  it('replaces every occurrence of every pattern', () => {
    const patterns = secretPatterns(['hunter2', 's3cr3t-token']);
    assert.equal(
      maskText('user=bob pass=hunter2 token=s3cr3t-token again hunter2', patterns),
      `user=bob pass=${MASK} token=${MASK} again ${MASK}`,
    );
  });

  it('leaves text without secrets alone', () => {
    assert.equal(maskText('nothing to see', secretPatterns(['hunter2'])), 'nothing to see');
    assert.equal(maskText('hunter2', []), 'hunter2');
  });

  it('masks the longer secret whole when one secret contains another', () => {
    const patterns = secretPatterns(['abc', 'xxabcxx']);
    assert.equal(maskText('[xxabcxx] [abc]', patterns), `[${MASK}] [${MASK}]`);
  });
});

describe('secretPatterns', () => {
  it('ignores values shorter than 3 characters', () => {
    assert.deepEqual(secretPatterns(['', 'a', 'ab']), []);
    assert.deepEqual(secretPatterns(['abc']), ['abc']);
    assert.equal(maskText('ab ab ab', secretPatterns(['ab'])), 'ab ab ab');
  });

  it('masks each line of a multi-line secret on its own', () => {
    const key = '-----BEGIN KEY-----\r\n  MIIEvQIBADANBgkq  \nhkiG9w0BAQEFAASC\nxy\n-----END KEY-----';
    const patterns = secretPatterns([key]);
    assert.ok(patterns.includes(key));
    for (const line of ['-----BEGIN KEY-----', 'MIIEvQIBADANBgkq', 'hkiG9w0BAQEFAASC', '-----END KEY-----']) {
      assert.ok(patterns.includes(line), `missing line ${line}`);
    }
    assert.ok(!patterns.includes('xy'), 'a line shorter than 3 characters is not a pattern');
    // a program that prints only the middle line still has it masked
    assert.equal(maskText('got hkiG9w0BAQEFAASC here', patterns), `got ${MASK} here`);
    // a program that re-indents the key
    assert.equal(
      maskText('    MIIEvQIBADANBgkq\n    hkiG9w0BAQEFAASC\n', patterns),
      `    ${MASK}\n    ${MASK}\n`,
    );
  });

  it('masks the JSON-escaped form of a secret', () => {
    const secret = 'pa"ss\\word\nline2';
    const patterns = secretPatterns([secret]);
    const json = JSON.stringify({ password: secret });
    const masked = maskText(json, patterns);
    assert.equal(masked, `{"password":"${MASK}"}`);
    assert.ok(!masked.includes('ss\\\\word'));
  });

  it('orders patterns longest first and removes duplicates', () => {
    const patterns = secretPatterns(['abc', 'abcdef', 'abc', 'abcd']);
    assert.deepEqual(patterns, ['abcdef', 'abcd', 'abc']);
  });
});

describe('StreamMasker', () => {
  it('passes text through unchanged without patterns', () => {
    assert.equal(stream([], ['a', 'bc', '']), 'abc');
  });

  it('masks a secret split across chunks and holds back only a possible secret prefix', () => {
    const masker = new StreamMasker(secretPatterns(['hunter2']));
    assert.equal(masker.push('password: hun'), 'password: ');
    assert.equal(masker.push('ter'), '');
    assert.equal(masker.push('2 ok'), `${MASK} ok`);
    assert.equal(masker.push(' hu'), ' ');
    assert.equal(masker.end(), 'hu');
  });

  it('emits a held-back tail on end() when the secret never completes', () => {
    const masker = new StreamMasker(secretPatterns(['hunter2']));
    assert.equal(masker.push('hunte'), '');
    assert.equal(masker.push('r3'), 'hunter3');
    assert.equal(masker.end(), '');
  });

  // Secrets built so that no pattern overlaps another (each starts with its own letter that occurs
  // nowhere else in any secret); the noise between them may contain anything, including those letters.
  // Secrets appear raw, JSON-escaped, or wrapped across lines (masked for secrets of 8+ characters).
  const leaders = ['Q', 'X', 'Z'];
  const body = fc
    .array(fc.constantFrom('a', 'b', 'c', ' ', '"', 'é', '='), { minLength: 2, maxLength: 12 })
    .map((cs) => cs.join(''));
  const noise = fc
    .array(fc.constantFrom('a', 'b', 'c', 'Q', 'X', 'Z', ' ', '\n', '"', '\\', '='), { maxLength: 6 })
    .map((cs) => cs.join(''));
  const scenario = fc.array(body, { minLength: 1, maxLength: 3 }).chain((bodies) => {
    const secrets = bodies.map((b, i) => `${leaders[i]}${b.trim().padEnd(2, 'a')}`);
    const pick = fc.nat(secrets.length - 1).map((i) => secrets[i] ?? '');
    const piece = fc.oneof(
      pick,
      pick.map((s) => JSON.stringify(s).slice(1, -1)),
      fc
        .tuple(pick, fc.array(fc.nat(20), { minLength: 1, maxLength: 3 }))
        .map(([s, cuts]) => split(s, cuts).join('\n')),
      noise,
    );
    return fc.record({
      secrets: fc.constant(secrets),
      text: fc.array(piece, { maxLength: 8 }).map((ps) => ps.join('')),
      cuts: fc.array(fc.nat(200), { maxLength: 8 }),
    });
  });

  // Runs are kept modest: maskText caches one RegExp per long pattern for the life of the process.
  it('gives the same output as maskText for any split of the text (property)', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text, cuts }) => {
        const patterns = secretPatterns(secrets);
        const out = stream(patterns, split(text, cuts));
        assert.equal(out, maskText(text, patterns));
        for (const s of secrets) assert.ok(!out.includes(s), `secret ${JSON.stringify(s)} leaked`);
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same output as maskText for one-character chunks (property)', () => {
    fc.assert(
      fc.property(scenario, ({ secrets, text }) => {
        const patterns = secretPatterns(secrets);
        assert.equal(stream(patterns, [...text]), maskText(text, patterns));
      }),
      { numRuns: 150 },
    );
  });

  // Arbitrary secrets over a tiny alphabet: they overlap, nest, span lines and need JSON escapes.
  const ch = fc.constantFrom('a', 'b', '\n', '"', '\\', ' ');
  const str = (max: number) => fc.array(ch, { maxLength: max }).map((cs) => cs.join(''));
  const leakCheck = (secrets: string[], pieces: (number | string)[], cuts: number[]) => {
    const text = pieces
      .map((p) => (typeof p === 'number' ? (secrets[p % secrets.length] ?? '') : p))
      .join('');
    const patterns = secretPatterns(secrets);
    const out = stream(patterns, split(text, cuts));
    for (const p of patterns) {
      assert.ok(!out.includes(p), `pattern ${JSON.stringify(p)} leaked: ${JSON.stringify(out)}`);
    }
  };
  const pieces = fc.array(fc.oneof(fc.nat(2), str(4)), { maxLength: 8 });
  const cuts = fc.array(fc.nat(100), { maxLength: 8 });

  it('never lets any form of a secret through, whatever the split (property)', () => {
    // every line of each secret is blank or long enough (3+) to be a pattern of its own
    const linesMaskable = (s: string) =>
      s.trim() !== '' && s.split(/\r?\n/).every((l) => l === '' || l.trim().length >= 3);
    fc.assert(
      fc.property(
        fc.array(str(12).filter(linesMaskable), { minLength: 1, maxLength: 3 }),
        pieces,
        cuts,
        leakCheck,
      ),
      { numRuns: 500 },
    );
  });

  it('never lets a secret through even when its lines are too short to mask alone', () => {
    leakCheck(['\naa'], [0], [1]); // push("\n") is emitted at once, then "aa"
    leakCheck(['a\naa  \n\n'], [0], [6]); // push("a\naa  ") is emitted whole, then "\n\n"
    fc.assert(fc.property(fc.array(str(12), { minLength: 1, maxLength: 3 }), pieces, cuts, leakCheck), {
      numRuns: 500,
    });
  });

  it('masks a secret wrapped across lines and chunks', () => {
    const token = 'tok_0123456789abcdef';
    const patterns = secretPatterns([token]);
    assert.equal(maskText(`t=tok_01234\n56789abcdef;`, patterns), `t=${MASK};`);
    assert.equal(maskText(`t=tok_01234\r\n56789\nabcdef;`, patterns), `t=${MASK};`);
    assert.equal(stream(patterns, ['t=tok_0', '1234\n567', '89abc', 'def;\n']), `t=${MASK};\n`);
    // the masker holds back only what could still become the secret
    const masker = new StreamMasker(patterns);
    assert.equal(masker.push('done\nt=tok_01234\n'), 'done\nt=');
    assert.equal(masker.push('nope\n'), 'tok_01234\nnope\n');
    assert.equal(masker.end(), '');
  });

  it('masks a secret wrapped with CRLF line breaks whatever the chunk boundaries', () => {
    const patterns = secretPatterns(['tok_0123456789abcdef']);
    const text = 'tok_01234\r\n56789abcdef\n';
    assert.equal(maskText(text, patterns), `${MASK}\n`);
    for (let cut = 0; cut <= text.length; cut++) {
      const out = stream(patterns, [text.slice(0, cut), text.slice(cut)]);
      assert.equal(out, `${MASK}\n`, `cut at ${cut}`);
    }
  });

  it('masks a multi-line secret printed line by line', () => {
    const key = 'BEGIN-KEY\nAAAAbbbbCCCC\nEND-KEY';
    const patterns = secretPatterns([key]);
    const out = stream(patterns, ['key: BEGIN-', 'KEY\nAAAAbb', 'bbCCCC\n', 'END-KEY', '\ndone\n']);
    for (const line of key.split('\n')) assert.ok(!out.includes(line), `line ${line} leaked: ${out}`);
    assert.ok(out.startsWith('key: ') && out.endsWith('\ndone\n'), out);
  });

  it('masks every line of a multi-line secret printed line by line (each line on its own)', () => {
    const key = 'BEGIN-KEY\nAAAAbbbbCCCC\nEND-KEY';
    const patterns = secretPatterns([key]);
    const text = `key: ${key}\ndone\n`;
    const chunks = ['key: BEGIN-KEY\n', 'AAAAbbbbCCCC\n', 'END-KEY\n', 'done\n'];
    assert.equal(stream(patterns, chunks), `key: ${MASK}\n${MASK}\n${MASK}\ndone\n`);
    assert.equal(maskText(text, patterns), `key: ${MASK}\ndone\n`);
  });
});

test('a secret split by terminal escape sequences is masked as the terminal would show it', () => {
  const secret = 'tok_4f9a7c2e1b8d6350';
  const escapes = fc.constantFrom('\x1b[0m', '\x1b[1;31m', '\x1b[2K', '\x1b]0;title\x07', '\x1b7', '\n');
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: secret.length - 1 }), escapes), { maxLength: 4 }),
      fc.string({ maxLength: 10 }),
      (cuts, prefix) => {
        let text = secret;
        for (const [at, esc] of [...cuts].sort((a, b) => b[0] - a[0]))
          text = text.slice(0, at) + esc + text.slice(at);
        const shown = maskText(`${prefix}${text}!`, secretPatterns([secret]))
          // eslint-disable-next-line no-control-regex -- what a terminal hides
          .replace(/\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])|\n/g, '');
        assert.ok(!shown.includes(secret), JSON.stringify(shown));
      },
    ),
    { numRuns: 300 },
  );
});
