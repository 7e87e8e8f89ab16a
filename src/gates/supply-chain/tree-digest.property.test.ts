import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { digestArtifact } from './tree-digest.ts';

const scratch = mkdtempSync(join(tmpdir(), 'runway-tree-property-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** Writes `files` in the given order into a fresh directory. */
function write(files: readonly [string, Uint8Array][]): string {
  const root = join(scratch, String(n++));
  mkdirSync(root);
  for (const [rel, bytes] of files) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), bytes);
  }
  return root;
}

const segment = fc.constantFrom('a', 'b', 'B', 'lib', 'x.js', 'é', '01');
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `${parts.join('/')}.f`);
const files = fc.uniqueArray(fc.tuple(path, fc.uint8Array({ maxLength: 64 })), {
  minLength: 1,
  maxLength: 8,
  selector: ([p]) => p,
});

test('a tree digest does not depend on the order its files were created in', () => {
  fc.assert(
    fc.property(files, fc.func(fc.integer()), (list, rank) => {
      const shuffled = [...list].sort((x, y) => rank(x[0]) - rank(y[0]));
      assert.equal(digestArtifact(write(list)).digest, digestArtifact(write(shuffled)).digest);
    }),
    { numRuns: 50 },
  );
});

test('changing one file changes the tree digest', () => {
  fc.assert(
    fc.property(files, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (list, pick, extra) => {
      const i = pick % list.length;
      const changed = list.map(([p, bytes], j): [string, Uint8Array] =>
        j === i ? [p, Uint8Array.from([...bytes, ...extra])] : [p, bytes],
      );
      assert.notEqual(digestArtifact(write(list)).digest, digestArtifact(write(changed)).digest);
    }),
    { numRuns: 50 },
  );
});
