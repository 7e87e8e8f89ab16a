import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { componentLabel, parseSbom, readSbom, SbomError } from './sbom-read.ts';

const FIXTURES = new URL('../../../test/fixtures/supply-chain/sbom/', import.meta.url).pathname;
const text = (name: string) => readFileSync(FIXTURES + name, 'utf8');

describe('reading SBOMs', () => {
  it('reads Trivy CycloneDX 1.6 and skips its lock-file node, which is not a package', () => {
    const sbom = readSbom(FIXTURES + 'trivy-npm-cyclonedx-1.6.json');
    assert.equal(sbom.format, 'cyclonedx');
    assert.equal(sbom.specVersion, '1.6');
    assert.equal(sbom.components.length, 12);
    assert.equal(sbom.skipped, 1);
    assert.deepEqual(
      sbom.components.find((c) => c.name === 'jquery'),
      {
        name: 'jquery',
        version: '3.3.9',
        purl: 'pkg:npm/jquery@3.3.9',
        licenses: ['MIT'],
      },
    );
    assert.deepEqual(sbom.components.find((c) => c.name === 'asap')?.licenses, []);
  });

  it('reads cyclonedx-npm 1.5 and 1.6: groups, nested components', () => {
    const dev = readSbom(FIXTURES + 'cyclonedx-npm-dev-dependencies-1.5.json');
    assert.deepEqual(dev.components.map(componentLabel), [
      '@types/node@20.14.10',
      '@types/uuid@8.3.4',
      'undici-types@5.26.5',
      'uuid@8.3.2',
      'uuidv4@6.2.13',
    ]);
    const integrity = readSbom(FIXTURES + 'cyclonedx-npm-package-integrity-1.6.json');
    assert.deepEqual(
      integrity.components.map((c) => `${componentLabel(c)} ${c.licenses.join()}`),
      [
        'base64-js@1.0.1 MIT',
        'buffer@5.4.3 MIT',
        'base64-js@1.3.1 MIT',
        'ieee754@1.1.13 BSD-3-Clause',
        'ignore@5.1.4 MIT',
      ],
    );
  });

  it('reads SPDX 2.3: concluded license, else declared; skips folders and operating systems', () => {
    const host = readSbom(FIXTURES + 'trivy-0.58.1-host-spdx-2.3.json');
    assert.equal(host.format, 'spdx');
    assert.deepEqual(host.components, [
      {
        name: 'ca-certificates',
        version: '20230311',
        purl: 'pkg:deb/debian/ca-certificates@20230311?arch=all&distro=debian-12.9',
        licenses: ['GPL-2.0-or-later AND GPL-2.0-only AND MPL-2.0'],
      },
    ]);
    assert.equal(host.skipped, 1);
    const conda = readSbom(FIXTURES + 'trivy-conda-spdx-2.3.json');
    assert.deepEqual(
      conda.components.map((c) => `${componentLabel(c)} ${c.licenses.join()}`),
      ['openssl@1.1.1q OpenSSL', 'pip@22.2.2 MIT'],
    );
    const bitnami = readSbom(FIXTURES + 'bitnami-postgresql-spdx-2.3.json');
    assert.deepEqual(
      bitnami.components.map((c) => `${componentLabel(c)} ${c.licenses.join()}`),
      ['PostgreSQL@15.3.0 PostgreSQL', 'GEOS@3.8.3 LGPL-2.1-only', 'Proj@6.3.2 MIT', 'GDAL@3.7.1 MIT'],
    );
  });

  it('fails, naming the file and the field, on truncated, foreign or malformed SBOMs', () => {
    const trivy = text('trivy-npm-cyclonedx-1.6.json');
    const cases: [string, RegExp][] = [
      [trivy.slice(0, 500), /^SbomError: x\.json: not valid JSON, truncated or corrupt/],
      ['', /not valid JSON/],
      ['[]', /not an SBOM, expected a JSON object/],
      ['{"bomFormat":"SWID"}', /neither CycloneDX .* nor SPDX/],
      ['{"bomFormat":"CycloneDX","specVersion":"2.0"}', /unsupported CycloneDX specVersion "2.0"/],
      ['{"bomFormat":"CycloneDX","specVersion":"1.5","components":{}}', /components is not an array/],
      [
        '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library"}]}',
        /components\[0\]\.name is missing/,
      ],
      [
        '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"a","version":"1","licenses":[{"license":{}}]}]}',
        /components\[0\]\.licenses\[0\]\.license has neither id nor name/,
      ],
      ['{"spdxVersion":"SPDX-3.0","SPDXID":"SPDXRef-DOCUMENT"}', /unsupported spdxVersion "SPDX-3.0"/],
      ['{"spdxVersion":"SPDX-2.3","SPDXID":"x"}', /SPDXID is not "SPDXRef-DOCUMENT"/],
      [
        '{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[{"SPDXID":"p"}]}',
        /packages\[0\]\.name is missing/,
      ],
    ];
    for (const [body, message] of cases) {
      assert.throws(() => parseSbom(body, 'x.json'), SbomError, body.slice(0, 60));
      assert.throws(() => parseSbom(body, 'x.json'), message, body.slice(0, 60));
    }
    assert.throws(
      () => readSbom('/nonexistent/sbom.json'),
      /^SbomError: \/nonexistent\/sbom\.json: cannot read/,
    );
  });
});
