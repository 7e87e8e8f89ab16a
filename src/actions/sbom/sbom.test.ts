import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { readSbom } from '../../gates/supply-chain/sbom-read.ts';
import type { ActionContext, ActionResult, InputCheckContext } from '../action.ts';
import { cycloneDxProblems } from '../../gates/supply-chain/cyclonedx-schema.ts';
import { sbom } from './sbom.ts';

const FIXTURES = new URL('../../../test/fixtures/supply-chain/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-sbom-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const NOW = new Date('2026-05-04T10:00:00Z');

async function run(inputs: Record<string, unknown>, cwd: string): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = {
    inputs,
    workingDirectory: cwd,
    root: cwd,
    log: (l: string) => lines.push(l),
    clock: { now: () => NOW, sleep: async () => {} },
  };
  const result = await sbom.run(ctx as unknown as ActionContext);
  return { ...result, log: lines.join('\n') };
}

/** A project directory holding the package-integrity demo's lock file. */
function project(lockName = 'package-lock.json'): string {
  const dir = mkdtempSync(join(scratch, 'project-'));
  copyFileSync(join(FIXTURES, 'npm/package-integrity/package-lock.json'), join(dir, lockName));
  copyFileSync(join(FIXTURES, 'npm/package-integrity/package.json'), join(dir, 'package.json'));
  return dir;
}

describe('sbom', () => {
  it('writes a schema-valid CycloneDX 1.6 SBOM of the lock file and records the component count', async () => {
    const dir = project();
    const r = await run({}, dir);
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(r.evidence, { 'sbom.components': 5 });
    assert.deepEqual(r.outputs, { path: join(dir, 'sbom.cdx.json'), format: 'cyclonedx', components: '5' });
    const bom = JSON.parse(readFileSync(join(dir, 'sbom.cdx.json'), 'utf8'));
    assert.equal(bom.specVersion, '1.6');
    assert.deepEqual(await cycloneDxProblems(bom), [], 'valid against the CycloneDX 1.6 schema');
    assert.equal(bom.metadata.timestamp, NOW.toISOString());
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.deepEqual(bom.metadata.tools.components[0].name, 'runway');
    assert.equal(readSbom(join(dir, 'sbom.cdx.json')).components.length, 5);
    assert.match(
      r.log,
      /^CycloneDX 1\.6 \(schema-valid\) .*sbom\.cdx\.json: 5 component\(s\) from .*package-lock\.json$/m,
    );
  });

  it('prefers npm-shrinkwrap.json, and takes lockfile, output and dev', async () => {
    const shrink = project('npm-shrinkwrap.json');
    assert.match((await run({}, shrink)).log, /from .*npm-shrinkwrap\.json$/m);
    const dir = mkdtempSync(join(scratch, 'v3-'));
    copyFileSync(join(FIXTURES, 'npm/with-prepared/package-lock.json'), join(dir, 'locked.json'));
    const prod = await run({ lockfile: 'locked.json', output: 'out/bom.json' }, dir);
    const dev = await run({ lockfile: 'locked.json', output: 'out/bom-dev.json', dev: true }, dir);
    assert.equal(prod.outputs?.['path'], join(dir, 'out/bom.json'));
    assert.equal(Number(dev.evidence?.['sbom.components']), Number(prod.evidence?.['sbom.components']) + 3);
    assert.match(prod.log, /^no license known for \d+: /m);
  });

  it('checks and passes on an SBOM from another tool (CycloneDX or SPDX)', async () => {
    const trivy = await run({ from: 'sbom/trivy-npm-cyclonedx-1.6.json' }, FIXTURES);
    assert.deepEqual(trivy.evidence, { 'sbom.components': 12 });
    assert.equal(trivy.outputs?.['path'], join(FIXTURES, 'sbom/trivy-npm-cyclonedx-1.6.json'));
    assert.match(trivy.log, /^cyclonedx 1\.6 .*: 12 component\(s\), 1 entry that is not a package$/m);
    const spdx = await run({ from: 'sbom/bitnami-postgresql-spdx-2.3.json' }, FIXTURES);
    assert.deepEqual(spdx.outputs, {
      path: join(FIXTURES, 'sbom/bitnami-postgresql-spdx-2.3.json'),
      format: 'spdx',
      components: '4',
    });
  });

  it('fails, naming the file, on a missing or truncated lock file or SBOM; never writes half an SBOM', async () => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    const none = await run({}, empty);
    assert.equal(
      none.reason,
      `no npm-shrinkwrap.json or package-lock.json in ${empty}; run npm install, or give lockfile or from`,
    );
    writeFileSync(
      join(empty, 'package-lock.json'),
      readFileSync(join(FIXTURES, 'npm/package-integrity/package-lock.json'), 'utf8').slice(0, 200),
    );
    const cut = await run({}, empty);
    assert.match(
      cut.reason ?? '',
      /^cannot build the SBOM: \/.*\/package-lock\.json: not valid JSON, truncated or corrupt/,
    );
    assert.throws(() => readFileSync(join(empty, 'sbom.cdx.json')));
    writeFileSync(
      join(empty, 'bom.json'),
      readFileSync(join(FIXTURES, 'sbom/trivy-npm-cyclonedx-1.6.json'), 'utf8').slice(0, 900),
    );
    const badFrom = await run({ from: 'bom.json' }, empty);
    assert.match(
      badFrom.reason ?? '',
      /^invalid SBOM: \/.*\/bom\.json: not valid JSON, truncated or corrupt/,
    );
    const missing = await run({ from: 'nope.json' }, empty);
    assert.match(missing.reason ?? '', /^invalid SBOM: \/.*\/nope\.json: cannot read/);
  });

  it('declares inputs that accept the documented shapes and reject typos', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(sbom.inputs);
    assert.ok(validate({}));
    assert.ok(validate({ lockfile: 'package-lock.json', output: 'sbom.json', dev: true }));
    assert.ok(validate({ from: 'syft.spdx.json' }));
    for (const bad of [{ dev: 'yes' }, { form: 'x' }, { output: '' }])
      assert.equal(validate(bad), false, JSON.stringify(bad));
    assert.deepEqual(sbom.check?.({ from: 'a.json', dev: true }, { root: '.' } as InputCheckContext), [
      { input: 'from', message: 'from checks an existing SBOM; drop dev' },
    ]);
  });
});
