import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { ActionContext, ActionResult } from '../action.ts';
import { gateLicenses } from './gate-licenses.ts';

const SBOMS = new URL('../../../test/fixtures/supply-chain/sbom/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-gate-licenses-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function gate(inputs: Record<string, unknown>, cwd = SBOMS): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = { inputs, workingDirectory: cwd, root: cwd, log: (l: string) => lines.push(l) };
  const result = await gateLicenses.run(ctx as unknown as ActionContext);
  return { ...result, log: lines.join('\n') };
}

describe('gate/licenses', () => {
  it('denies the GPL parts of Debian ca-certificates (SPDX from Trivy), naming component, license and rule', async () => {
    const r = await gate({ sbom: 'trivy-0.58.1-host-spdx-2.3.json' });
    assert.equal(r.ok, false);
    assert.equal(
      r.reason,
      'license policy failed: 1 denied (ca-certificates@20230311: GPL-2.0-or-later (deny GPL-*), GPL-2.0-only (deny GPL-*))',
    );
    assert.deepEqual(r.evidence, { 'licenses.denied': 1, 'licenses.unknown': 0 });
    assert.match(r.log, /^ {2}denied {3}ca-certificates@20230311: GPL-2\.0-or-later \(deny GPL-\*\)/m);
    assert.match(r.log, /^0 allowed, 1 denied, 0 unknown$/m);
  });

  it('fails on unknown licenses by default, and only warns with unknown: warn', async () => {
    const strict = await gate({ sbom: 'trivy-npm-cyclonedx-1.6.json' });
    assert.equal(strict.ok, false);
    assert.match(
      strict.reason ?? '',
      /^license policy failed: 7 unknown \(asap@2\.0\.6: no license; js-tokens@4\.0\.0: no license; .*; and 2 more\); set unknown: warn to accept them$/,
    );
    assert.deepEqual(strict.evidence, { 'licenses.denied': 0, 'licenses.unknown': 7 });
    const lenient = await gate({ sbom: 'trivy-npm-cyclonedx-1.6.json', unknown: 'warn' });
    assert.equal(lenient.ok, true, lenient.reason);
    assert.deepEqual(lenient.evidence, { 'licenses.denied': 0, 'licenses.unknown': 7 });
    assert.match(lenient.log, /⚠ 7 component\(s\) with unknown licenses \(unknown: warn\)/);
  });

  it('passes weak copyleft by default, and denies it when the policy extends the defaults', async () => {
    const r = await gate({ sbom: 'bitnami-postgresql-spdx-2.3.json' });
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(r.evidence, { 'licenses.denied': 0, 'licenses.unknown': 0 });
    const strict = await gate({ sbom: 'bitnami-postgresql-spdx-2.3.json', deny: ['defaults', 'LGPL-*'] });
    assert.equal(strict.reason, 'license policy failed: 1 denied (GEOS@3.8.3: LGPL-2.1-only (deny LGPL-*))');
  });

  it('with an allow list, fails what it does not name', async () => {
    const r = await gate({ sbom: 'cyclonedx-npm-package-integrity-1.6.json', allow: ['MIT'] });
    assert.equal(r.reason, 'license policy failed: 1 denied (ieee754@1.1.13: BSD-3-Clause (not in allow))');
    const ok = await gate({ sbom: 'cyclonedx-npm-package-integrity-1.6.json', allow: ['MIT', 'BSD-*'] });
    assert.equal(ok.ok, true);
  });

  it('skips ignored components by name, name@version or purl', async () => {
    for (const ignore of ['ca-certificates', 'ca-certificates@2023*', 'pkg:deb/debian/ca-certificates@*']) {
      const r = await gate({ sbom: 'trivy-0.58.1-host-spdx-2.3.json', ignore: [ignore] });
      assert.equal(r.ok, true, ignore);
      assert.match(r.log, /^0 allowed, 0 denied, 0 unknown, 1 ignored$/m);
    }
  });

  it('fails one denied component among many, at the edge', async () => {
    const bom = JSON.parse(readFileSync(join(SBOMS, 'cyclonedx-npm-dev-dependencies-1.5.json'), 'utf8'));
    assert.equal((await gate({ sbom: join(SBOMS, 'cyclonedx-npm-dev-dependencies-1.5.json') })).ok, true);
    bom.components[2].licenses = [{ expression: 'MIT OR AGPL-3.0-only' }];
    bom.components[3].licenses = [{ expression: 'MIT AND AGPL-3.0-only' }];
    writeFileSync(join(scratch, 'one.json'), JSON.stringify(bom));
    const r = await gate({ sbom: 'one.json' }, scratch);
    assert.equal(r.reason, 'license policy failed: 1 denied (uuid@8.3.2: AGPL-3.0-only (deny AGPL-*))');
  });

  it('fails, naming the file, on a truncated, foreign or missing SBOM; never passes it', async () => {
    writeFileSync(
      join(scratch, 'cut.json'),
      readFileSync(join(SBOMS, 'trivy-conda-spdx-2.3.json'), 'utf8').slice(0, 300),
    );
    const cut = await gate({ sbom: 'cut.json' }, scratch);
    assert.equal(cut.ok, false);
    assert.match(cut.reason ?? '', /^invalid SBOM: \/.*\/cut\.json: not valid JSON, truncated or corrupt/);
    writeFileSync(join(scratch, 'sarif.json'), '{"version":"2.1.0","runs":[]}');
    assert.match(
      (await gate({ sbom: 'sarif.json' }, scratch)).reason ?? '',
      /sarif\.json: neither CycloneDX \(bomFormat "CycloneDX"\) nor SPDX \(spdxVersion\) JSON$/,
    );
    assert.match(
      (await gate({ sbom: 'nope.json' }, scratch)).reason ?? '',
      /^invalid SBOM: .*nope\.json: cannot read/,
    );
  });

  it('declares inputs that accept the documented shapes and reject typos', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(gateLicenses.inputs);
    assert.ok(validate({ sbom: 'sbom.json' }));
    assert.ok(
      validate({
        sbom: 'sbom.json',
        deny: ['defaults', 'LGPL-*'],
        allow: ['MIT'],
        unknown: 'warn',
        ignore: ['x'],
      }),
    );
    for (const bad of [
      {},
      { sbom: 'a', unknown: 'ignore' },
      { sbom: 'a', deny: 'GPL-*' },
      { sbom: 'a', alow: [] },
    ])
      assert.equal(validate(bad), false, JSON.stringify(bad));
  });
});
