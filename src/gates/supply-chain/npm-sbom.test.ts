import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  integrityHashes,
  NpmLockError,
  npmLockToCycloneDx,
  npmPurl,
  readNpmLock,
  type NpmSbomOptions,
} from './npm-sbom.ts';
import { parseSbom } from './sbom-read.ts';

const NPM = new URL('../../../test/fixtures/supply-chain/npm/', import.meta.url).pathname;
const SBOM = new URL('../../../test/fixtures/supply-chain/sbom/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-npm-sbom-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const options = (projectDir: string, more: Partial<NpmSbomOptions> = {}): NpmSbomOptions => ({
  projectDir,
  now: new Date('2026-05-04T10:00:00Z'),
  toolVersion: '0.1.0',
  serialNumber: 'urn:uuid:00000000-0000-4000-8000-000000000000',
  ...more,
});

type Component = {
  purl: string;
  name: string;
  group?: string;
  scope: string;
  hashes?: { alg: string; content: string }[];
  licenses?: unknown[];
};
const componentsOf = (bom: Record<string, unknown>) => bom['components'] as Component[];

/** The project with its installed package.json files put back under node_modules/. */
function installedProject(): string {
  const dir = mkdtempSync(join(scratch, 'with-prepared-'));
  copyFileSync(join(NPM, 'with-prepared/package-lock.json'), join(dir, 'package-lock.json'));
  for (const file of readdirSync(join(NPM, 'with-prepared/installed'))) {
    const key = file.replace(/\.json$/, '').replaceAll('+', '/');
    mkdirSync(join(dir, key), { recursive: true });
    copyFileSync(join(NPM, 'with-prepared/installed', file), join(dir, key, 'package.json'));
  }
  return dir;
}

describe('SBOM from package-lock.json', () => {
  it('lists every package version with purl, license and the hashes cyclonedx-npm computes (lockfile v2)', () => {
    const { bom, components } = readNpmLock(
      join(NPM, 'package-integrity/package-lock.json'),
      options(scratch),
    );
    assert.equal(components, 5);
    assert.equal(bom['specVersion'], '1.6');
    assert.equal(bom['bomFormat'], 'CycloneDX');
    const ours = componentsOf(bom);
    assert.deepEqual(
      ours.map((c) => c.purl),
      [
        'pkg:npm/base64-js@1.0.1',
        'pkg:npm/base64-js@1.3.1',
        'pkg:npm/buffer@5.4.3',
        'pkg:npm/ieee754@1.1.13',
        'pkg:npm/ignore@5.1.4',
      ],
    );
    assert.deepEqual(ours.find((c) => c.purl === 'pkg:npm/ieee754@1.1.13')?.licenses, [
      { expression: 'BSD-3-Clause' },
    ]);

    // the reference: @cyclonedx/cyclonedx-npm's SBOM of the same lock file
    const reference = JSON.parse(
      readFileSync(join(SBOM, 'cyclonedx-npm-package-integrity-1.6.json'), 'utf8'),
    );
    const theirs = new Map<string, unknown>();
    const walk = (list: { purl: string; externalReferences?: { hashes?: unknown }[]; components?: [] }[]) => {
      for (const c of list) {
        theirs.set(c.purl, c.externalReferences?.find((e) => e.hashes)?.hashes);
        walk(c.components ?? []);
      }
    };
    walk(reference.components);
    for (const c of ours) assert.deepEqual(c.hashes, theirs.get(c.purl), c.purl);
    assert.equal(ours.find((c) => c.purl === 'pkg:npm/ignore@5.1.4')?.hashes?.[0]?.alg, 'SHA-512');
  });

  it('records the dependency graph the way node resolves it: nested node_modules first', () => {
    const { bom } = readNpmLock(join(NPM, 'package-integrity/package-lock.json'), options(scratch));
    assert.deepEqual(bom['dependencies'], [
      { ref: 'pkg:npm/base64-js@1.0.1', dependsOn: [] },
      { ref: 'pkg:npm/base64-js@1.3.1', dependsOn: [] },
      { ref: 'pkg:npm/buffer@5.4.3', dependsOn: ['pkg:npm/base64-js@1.3.1', 'pkg:npm/ieee754@1.1.13'] },
      {
        ref: 'pkg:npm/demo-package-integrity',
        dependsOn: ['pkg:npm/base64-js@1.0.1', 'pkg:npm/buffer@5.4.3', 'pkg:npm/ignore@5.1.4'],
      },
      { ref: 'pkg:npm/ieee754@1.1.13', dependsOn: [] },
      { ref: 'pkg:npm/ignore@5.1.4', dependsOn: [] },
    ]);
    const metadata = bom['metadata'] as Record<string, unknown>;
    assert.equal(metadata['timestamp'], '2026-05-04T10:00:00.000Z');
    assert.deepEqual((metadata['component'] as Record<string, unknown>)['name'], 'demo-package-integrity');
  });

  it('lockfile v3: leaves out dev packages unless asked, dedupes aliases, marks optional ones', () => {
    const lock = join(NPM, 'with-prepared/package-lock.json');
    const prod = readNpmLock(lock, options(scratch));
    const purls = componentsOf(prod.bom).map((c) => c.purl);
    assert.ok(!purls.includes('pkg:npm/%40types/node@20.14.10'), 'dev-only @types/node is left out');
    assert.ok(!purls.includes('pkg:npm/ignore@5.1.4'));
    assert.equal(
      purls.filter((p) => p === 'pkg:npm/%40cyclonedx/cyclonedx-library@7.0.0').length,
      1,
      'the alias is the same package',
    );
    const library = componentsOf(prod.bom).find(
      (c) => c.purl === 'pkg:npm/%40cyclonedx/cyclonedx-library@7.0.0',
    );
    assert.equal(library?.group, '@cyclonedx');
    assert.equal(library?.name, 'cyclonedx-library');
    assert.deepEqual(
      library?.licenses,
      [{ expression: 'Apache-2.0' }],
      'the alias entry carries the license',
    );
    assert.equal(componentsOf(prod.bom).find((c) => c.purl === 'pkg:npm/uuid@8.3.2')?.scope, 'optional');
    assert.deepEqual(
      componentsOf(prod.bom).find((c) => c.purl === 'pkg:npm/spdx-expression-parse@1.0.2')?.licenses,
      [{ expression: 'MIT AND CC-BY-3.0' }],
    );
    assert.deepEqual(componentsOf(prod.bom).find((c) => c.purl === 'pkg:npm/symbol@0.2.1')?.licenses, [
      { license: { name: 'MPLv2.0' } },
    ]);

    const withDev = readNpmLock(lock, options(scratch, { includeDev: true }));
    const types = componentsOf(withDev.bom).find((c) => c.purl === 'pkg:npm/%40types/node@20.14.10');
    assert.equal(types?.scope, 'excluded');
    assert.equal(withDev.components, prod.components + 3);
  });

  it('reads licenses the lock file lacks from node_modules/<pkg>/package.json when installed', () => {
    const lock = join(NPM, 'with-prepared/package-lock.json');
    const bare = readNpmLock(lock, options(scratch));
    assert.ok(bare.withoutLicense.includes('buffer@5.7.1'));
    assert.equal(bare.licensesFromInstalled, 0);
    const dir = installedProject();
    const installed = readNpmLock(join(dir, 'package-lock.json'), options(dir));
    assert.equal(installed.licensesFromInstalled, 11);
    assert.ok(!installed.withoutLicense.includes('buffer@5.7.1'));
    assert.ok(installed.withoutLicense.includes('packageurl-js@2.0.1'), 'not installed, so still unknown');
    const find = (purl: string) => componentsOf(installed.bom).find((c) => c.purl === purl);
    assert.deepEqual(find('pkg:npm/buffer@5.7.1')?.licenses, [{ expression: 'MIT' }]);
    assert.deepEqual(
      find('pkg:npm/base64-js@1.5.1')?.licenses,
      [{ expression: 'MIT' }],
      'nested node_modules',
    );
    assert.deepEqual(find('pkg:npm/spdx-license-ids@3.0.20')?.licenses, [{ expression: 'CC0-1.0' }]);
  });

  it('writes an SBOM that Runway reads back with the same components', () => {
    const built = readNpmLock(join(NPM, 'with-prepared/package-lock.json'), options(scratch));
    const read = parseSbom(JSON.stringify(built.bom), 'bom.json');
    assert.equal(read.components.length, built.components);
    assert.equal(read.specVersion, '1.6');
  });

  it('converts integrity to hex hashes and builds purls with encoded scopes', () => {
    assert.deepEqual(integrityHashes('sha1-aSbRsZT7xze47tUTdW3i/Np+pAg= md5-xxx sha512-bad!'), [
      { alg: 'SHA-1', content: '6926d1b194fbc737b8eed513756de2fcda7ea408' },
    ]);
    assert.equal(npmPurl('@types/node', '20.14.10'), 'pkg:npm/%40types/node@20.14.10');
    assert.equal(npmPurl('left-pad', '1.0.0+build.1'), 'pkg:npm/left-pad@1.0.0%2Bbuild.1');
  });

  it('fails, naming the file, on lockfile v1, truncated or missing lock files', () => {
    const o = options(scratch);
    assert.throws(
      () => npmLockToCycloneDx('{"lockfileVersion":1,"dependencies":{}}', 'old/package-lock.json', o),
      /NpmLockError: old\/package-lock\.json: lockfileVersion 1 is not supported, expected 2 or 3/,
    );
    const text = readFileSync(join(NPM, 'package-integrity/package-lock.json'), 'utf8');
    assert.throws(
      () => npmLockToCycloneDx(text.slice(0, 300), 'cut.json', o),
      /cut\.json: not valid JSON, truncated or corrupt/,
    );
    assert.throws(
      () => npmLockToCycloneDx('{"lockfileVersion":3}', 'p.json', o),
      /p\.json: "packages" is missing/,
    );
    assert.throws(() => readNpmLock(join(scratch, 'missing/package-lock.json'), o), NpmLockError);
  });
});
