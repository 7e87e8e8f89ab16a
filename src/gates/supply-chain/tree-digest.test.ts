import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DigestError, digestArtifact, digestOf, treeManifest } from './tree-digest.ts';

const scratch = mkdtempSync(join(tmpdir(), 'runway-tree-digest-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function tree(name: string, files: Record<string, string>): string {
  const root = join(scratch, name);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

describe('artifact digests', () => {
  it('digests a file as the sha256 of its bytes', () => {
    const file = join(scratch, 'app.tgz');
    writeFileSync(file, 'hello world');
    assert.deepEqual(digestArtifact(file), {
      kind: 'file',
      digest: 'sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
      digestSet: { sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9' },
      name: 'app.tgz',
      files: 1,
    });
  });

  it('digests a tree as the sha256 of its sorted "<sha256>  <path>" manifest (Go dirhash h1)', () => {
    const root = tree('dist', { 'b.js': 'b', 'a/z.js': 'z', 'a/b.css': 'css' });
    mkdirSync(join(root, 'empty'));
    const manifest = `${sha256('css')}  a/b.css\n${sha256('z')}  a/z.js\n${sha256('b')}  b.js\n`;
    const sum = createHash('sha256').update(manifest).digest();
    assert.deepEqual(digestArtifact(root), {
      kind: 'directory',
      digest: `sha256:${sum.toString('hex')}`,
      digestSet: { dirHash: `h1:${sum.toString('base64')}` },
      name: 'dist',
      files: 3,
    });
    assert.equal(digestOf(digestArtifact(root).digestSet), digestArtifact(root).digest);
  });

  it('changes when a byte, a name or a file changes; not for empty directories', () => {
    const base = digestArtifact(tree('t1', { 'x/a.txt': 'one', 'b.txt': 'two' })).digest;
    assert.equal(digestArtifact(tree('t2', { 'b.txt': 'two', 'x/a.txt': 'one' })).digest, base);
    assert.notEqual(digestArtifact(tree('t3', { 'x/a.txt': 'onE', 'b.txt': 'two' })).digest, base);
    assert.notEqual(digestArtifact(tree('t4', { 'y/a.txt': 'one', 'b.txt': 'two' })).digest, base);
    assert.notEqual(
      digestArtifact(tree('t5', { 'x/a.txt': 'one', 'b.txt': 'two', 'c.txt': '' })).digest,
      base,
    );
    const t6 = tree('t6', { 'x/a.txt': 'one', 'b.txt': 'two' });
    mkdirSync(join(t6, 'nothing/here'), { recursive: true });
    assert.equal(digestArtifact(t6).digest, base);
  });

  it('sorts by bytes, not by locale or UTF-16 units', () => {
    assert.equal(
      treeManifest([
        { path: 'b', sha256: '2' },
        { path: 'B', sha256: '1' },
        { path: '\u{1F600}', sha256: '4' },
        { path: '\uFF21', sha256: '3' },
      ]),
      '1  B\n2  b\n3  \uFF21\n4  \u{1F600}\n',
    );
  });

  it('hashes a symlinked file as its target; refuses links to directories, broken links and missing paths', () => {
    const root = tree('links', { 'real.txt': 'same' });
    const copy = digestArtifact(tree('links-copy', { 'real.txt': 'same', 'alias.txt': 'same' })).digest;
    symlinkSync('real.txt', join(root, 'alias.txt'));
    assert.equal(digestArtifact(root).digest, copy);
    symlinkSync(scratch, join(root, 'up'));
    assert.throws(() => digestArtifact(root), /links: up is a symbolic link to a directory/);
    rmSync(join(root, 'up'));
    symlinkSync('gone.txt', join(root, 'broken'));
    assert.throws(() => digestArtifact(root), /broken is a broken symbolic link/);
    assert.throws(() => digestArtifact(join(scratch, 'nope')), DigestError);
    assert.throws(() => digestArtifact(join(scratch, 'nope')), /artifact .*nope does not exist/);
  });

  it('reads sha256 and dirHash digest sets, and nothing else', () => {
    assert.equal(digestOf({ sha256: 'A'.repeat(64) }), `sha256:${'a'.repeat(64)}`);
    assert.equal(
      digestOf({ dirHash: `h1:${Buffer.alloc(32, 1).toString('base64')}` }),
      `sha256:${'01'.repeat(32)}`,
    );
    assert.equal(digestOf({ sha512: 'ab' }), undefined);
    assert.equal(digestOf({ sha256: 'short' }), undefined);
  });
});
