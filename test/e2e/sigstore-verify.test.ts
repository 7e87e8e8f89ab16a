/*
 * Third-party Sigstore bundles verified offline through `uses: verify-attestation` (sigstore-js's npm
 * provenance from the public-good instance; GitHub's own instance refused by name), and the SLSA level
 * the release gate sees derived from verified provenance: Runway's own key is level 1, refused by
 * production's SLSA >= 3 rule, and level 3 comes only from a level policy rule for a verified signer.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { project, runway } from './helpers.ts';

const SIGSTORE = new URL('../fixtures/sigstore/', import.meta.url).pathname;
const TUESDAY = '2026-11-24T10:00:00Z';
const IDENTITY = 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

/** A project holding the sigstore fixtures under `sigstore/`. */
function withFixtures(yaml: string): string {
  const dir = project(yaml);
  cpSync(SIGSTORE, join(dir, 'sigstore'), { recursive: true });
  return dir;
}

const verifyStep = (extra: string) => `
      - uses: verify-attestation
        with:
          path: sigstore/sigstore-2.1.0.tgz
          attestation: sigstore/sigstore-2.1.0-npm-provenance.sigstore.json
          trusted-root: sigstore/public-good-trusted-root.cli-testdata.json
          certificate-identity: ${IDENTITY}
          certificate-oidc-issuer: ${ISSUER}
${extra}`;

test('uses: verify-attestation verifies npm provenance offline and names what did not match', async () => {
  const good = withFixtures(`
version: 1
stages:
  verify:
    steps:${verifyStep('')}`);
  const ok = await runway(['run'], { cwd: good });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /✔ .*sigstore-2\.1\.0\.tgz: sha256:f0c641fce0310cb4/);
  assert.match(
    ok.stdout,
    /signed by https:\/\/github\.com\/sigstore\/sigstore-js\/\.github\/workflows\/release\.yml@refs\/heads\/main, builder https:\/\/github\.com\/actions\/runner\/github-hosted, SLSA build level 2 \(builder .* is level 2 by policy\)/,
  );

  const cases: [string, string, RegExp][] = [
    [
      'identity',
      verifyStep('').replace(
        IDENTITY,
        'https://github.com/evil/sigstore-js/.github/workflows/release.yml@refs/heads/main',
      ),
      /attestation check "identity" failed: .*expected https:\/\/github\.com\/evil\/.*, got https:\/\/github\.com\/sigstore\//,
    ],
    [
      'artifact',
      verifyStep('').replace(
        'sigstore/sigstore-2.1.0.tgz',
        'sigstore/github_provenance_demo-0.0.12-py3-none-any.whl',
      ),
      /attestation check "digest" failed: artifact .*github_provenance_demo-0\.0\.12-py3-none-any\.whl does not match its attestation/,
    ],
    [
      'invalid',
      verifyStep('')
        .replace(
          'sigstore/sigstore-2.1.0-npm-provenance.sigstore.json',
          'sigstore/invalid-signature.sigstore.json',
        )
        .replace(IDENTITY, 'brian@dehamer.com')
        .replace(ISSUER, 'https://github.com/login/oauth'),
      /attestation check "signature" failed: .*invalid-signature\.sigstore\.json: the signature does not match the signed content/,
    ],
    [
      'github',
      verifyStep('')
        .replace('sigstore/sigstore-2.1.0.tgz', 'sigstore/github_provenance_demo-0.0.12-py3-none-any.whl')
        .replace(
          'sigstore/sigstore-2.1.0-npm-provenance.sigstore.json',
          'sigstore/github-attest-build-provenance-sigstore-bundle-v0.3.jsonl',
        )
        .replace(
          IDENTITY,
          'https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main',
        ),
      /attestation check "trust-root" failed: .*unknown trust root: the signing certificate was issued by "O=GitHub\\, Inc\., CN=Fulcio Intermediate l2"/,
    ],
  ];
  for (const [name, step, expected] of cases) {
    const dir = withFixtures(`
version: 1
stages:
  verify:
    steps:${step}`);
    const res = await runway(['run'], { cwd: dir });
    assert.equal(res.code, 1, name);
    assert.match(res.stdout, expected, name);
  }
});

test("the release gate's SLSA level is derived from verified provenance, not declared", async () => {
  const pipeline = (verify: string) => `
version: 1
service: { name: shop, tier: 2 }
stages:
  build:
    steps:
      - uses: evidence
        with:
          gates.build.typescript: pass
          gates.build.compile: pass
          gates.build.lint: pass
          gates.build.format: pass
          gates.quality.integration_tests: pass
          gates.quality.coverage: 90
          gates.quality.unit_tests: pass
          gates.quality.golden_path: pass
          gates.security.critical_cves: 0
          gates.security.high_cves: 0
          gates.security.secrets_found: 0
          slo.error_budget_remaining: 80
          slo.fast_burn_rate: 1
          slo.slow_burn_rate: 1
          slo.rollbacks_last_24h: 0
${verify}
  gate:
    needs: build
    steps:
      - uses: gate/release
        with: { environment: production, window: business-hours, at: '${TUESDAY}' }
`;
  // Runway's own key, declaring level 3: verified, but counted as 1
  const own = withFixtures(
    pipeline(`      - run: mkdir -p app && echo 'v1' > app/server.js
      - uses: attest
        with: { path: app, key: keys/runway-signing.key, slsa-level: 3 }
      - uses: verify-attestation
        with: { path: app, key: keys/runway-signing.pub }`),
  );
  const keygen = await runway(['keygen', 'keys'], { cwd: own });
  assert.equal(keygen.code, 0, keygen.stderr);
  const denied = await runway(['run'], { cwd: own });
  assert.equal(denied.code, 1, denied.stdout);
  assert.match(
    denied.stdout,
    /SLSA build level 1 \(builder runway declares level 3 itself and no level policy rule names it: counted as 1\)/,
  );
  assert.match(denied.stdout, /release gate denied: .*SLSA level 1 is below the production minimum of 3/);

  // a level declared as evidence is self-declared too
  const declared = withFixtures(
    pipeline(`      - uses: evidence
        with: { gates.security.image_signed: true, gates.security.slsa_level: 3 }`),
  );
  const refused = await runway(['run'], { cwd: declared });
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(
    refused.stdout,
    /! gates\.security\.slsa_level = 3 from step \S+ is self-declared: it counts as 1 \(only verify-attestation derives a higher level\)/,
  );
  assert.match(refused.stdout, /release gate denied: .*SLSA level 1 is below the production minimum of 3/);

  // npm provenance, verified, and a level policy rule naming its signer
  const verified = withFixtures(
    pipeline(
      verifyStep(`          builders:
            - { builder: https://github.com/actions/runner/github-hosted, signer: '${IDENTITY}', level: 3 }`),
    ),
  );
  const allowed = await runway(['run'], { cwd: verified });
  assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
  assert.match(
    allowed.stdout,
    /SLSA build level 3 \(builder https:\/\/github\.com\/actions\/runner\/github-hosted signed by https:\/\/github\.com\/sigstore\/sigstore-js\/.* is level 3 by policy\)/,
  );
});
