import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cycloneDxProblems } from './cyclonedx-schema.ts';

const FIXTURES = new URL('../../../test/fixtures/supply-chain/sbom/', import.meta.url);

describe('cycloneDxProblems', () => {
  it('names the path and the problem of a BOM the schema refuses', async () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      components: [{ type: 'library', name: 'x', licenses: [{ expression: 'MIT' }], colour: 'red' }],
    };
    assert.deepEqual(await cycloneDxProblems(bom), [
      '/components/0: must NOT have additional properties (colour)',
    ]);
    assert.deepEqual(await cycloneDxProblems({ ...bom, components: [] }), []);
    assert.deepEqual(await cycloneDxProblems(bom, '9.9'), [
      'CycloneDX 9.9 is not a version the schema library knows',
    ]);
  });

  it('accepts the real CycloneDX 1.6 SBOMs of Trivy and cyclonedx-npm', async () => {
    for (const name of ['trivy-npm-cyclonedx-1.6.json', 'cyclonedx-npm-package-integrity-1.6.json']) {
      const bom = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
      assert.equal(bom.specVersion, '1.6', name);
      assert.deepEqual(await cycloneDxProblems(bom), [], name);
    }
  });
});
