import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lockProblems } from '../../scripts/check-lock.ts';
import { REPO } from '../e2e/helpers.ts';

const pkg = () => JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const lock = () => JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));

describe('scripts/check-lock.ts', () => {
  it("accepts the repository's own package.json and lock", () => {
    assert.deepEqual(lockProblems(pkg(), lock()), []);
  });

  it('fails, naming the package, when a lock is edited so that it no longer matches package.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-lock-'));
    cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
    const edited = lock();
    edited.packages[''].dependencies.yaml = '^1.0.0';
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(edited));
    const res = spawnSync(process.execPath, [join(REPO, 'scripts', 'check-lock.ts'), dir], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /dependencies\.yaml is "\^2[^"]*" in package\.json but "\^1\.0\.0" in the lock/);
  });

  it('fails when a locked version is outside the range package.json asks for', () => {
    const edited = lock();
    edited.packages['node_modules/yaml'].version = '1.10.2';
    assert.match(lockProblems(pkg(), edited).join('\n'), /yaml is locked at 1\.10\.2/);
  });

  it('fails on a moving tag in the tree unless an override pins that package exactly', () => {
    const tagged = lock();
    tagged.packages['node_modules/yaml'].dependencies = { 'left-pad': 'latest' };
    const problems = lockProblems({ ...pkg(), overrides: {} }, tagged);
    // jschardet's "latest", the three "*" of @types/pg and @types/stream-buffers and the six "*" of
    // installed peers (ajv, ws, spdx-expression-parse, bare-buffer twice, bare-events) too, once their
    // overrides are gone
    assert.equal(problems.length, 11, problems.join('\n'));
    assert.match(problems.join('\n'), /yaml asks for left-pad "latest", a moving tag/);
    assert.deepEqual(
      lockProblems({ ...pkg(), overrides: { ...pkg().overrides, 'left-pad': '1.3.0' } }, tagged),
      [],
    );
    assert.match(
      lockProblems({ ...pkg(), overrides: { jschardet: 'next' } }, lock()).join('\n'),
      /overrides\.jschardet "next" is a moving tag/,
    );
  });

  it('accepts ranges that are not tags: semver ranges, aliases, files and git URLs', () => {
    const ok = lock();
    ok.packages['node_modules/yaml'].dependencies = {
      b: '>=1 <3 || 4.x',
      c: 'npm:other@^1',
      d: 'file:../d',
      e: 'github:owner/repo#v1',
      f: 'owner/repo',
    };
    assert.deepEqual(lockProblems(pkg(), ok), []);
  });

  it('refuses a dependency on any version ("*") unless an override pins it; peers may say "*"', () => {
    const any = lock();
    any.packages['node_modules/yaml'].dependencies = { a: '*' };
    assert.match(lockProblems(pkg(), any).join('\n'), /yaml asks for a "\*", any version/);
    assert.deepEqual(
      lockProblems({ ...pkg(), overrides: { ...pkg().overrides, yaml: { a: '1.2.3' } } }, any),
      [],
    );
    // a peer nobody installed resolves nothing; one npm installed moves like any dependency
    const peer = lock();
    peer.packages['node_modules/yaml'].peerDependencies = { a: '*' };
    assert.deepEqual(lockProblems(pkg(), peer), []);
    peer.packages['node_modules/a'] = { version: '1.2.3' };
    assert.match(lockProblems(pkg(), peer).join('\n'), /yaml asks for a "\*", any version/);
    assert.deepEqual(
      lockProblems({ ...pkg(), overrides: { ...pkg().overrides, yaml: { a: '1.2.3' } } }, peer),
      [],
    );
  });
});
