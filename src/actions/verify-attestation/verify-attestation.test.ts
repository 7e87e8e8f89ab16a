import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { generateSigningKey } from '../../gates/supply-chain/keys.ts';
import { digestArtifact } from '../../gates/supply-chain/tree-digest.ts';
import type { ActionContext, ActionResult } from '../action.ts';
import { attestIn, writeRelease } from '../attest/attest.fixture.ts';
import { verifyAttestation } from './verify-attestation.ts';

const ATTESTATIONS = new URL('../../../test/fixtures/supply-chain/attestations/', import.meta.url).pathname;
const SIGSTORE = new URL('../../../test/fixtures/sigstore/', import.meta.url).pathname;
/** The identity policy of sigstore-js's npm provenance (its release workflow on GitHub Actions). */
const SIGSTORE_JS = {
  path: join(SIGSTORE, 'sigstore-2.1.0.tgz'),
  attestation: join(SIGSTORE, 'sigstore-2.1.0-npm-provenance.sigstore.json'),
  'trusted-root': join(SIGSTORE, 'public-good-trusted-root.cli-testdata.json'),
  'certificate-identity':
    'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
  'certificate-oidc-issuer': 'https://token.actions.githubusercontent.com',
};
let dir: string;
let keys: ReturnType<typeof generateSigningKey>;
let other: ReturnType<typeof generateSigningKey>;
let n = 0;

async function verify(inputs: Record<string, unknown>): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = { inputs, workingDirectory: dir, root: dir, log: (l: string) => lines.push(l) };
  const result = await verifyAttestation.run(ctx as unknown as ActionContext);
  return { ...result, log: lines.join('\n') };
}

/** A fresh release directory attested at `level`; returns its name. */
async function attested(level: 1 | 2 | 3): Promise<string> {
  const name = `release-${n++}`;
  writeRelease(dir, name);
  const r = await attestIn(dir, { path: name, key: keys.privateKeyPath, 'slsa-level': level });
  assert.equal(r.ok, true, r.reason);
  return name;
}

describe('verify-attestation', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runway-verify-attestation-'));
    keys = generateSigningKey(join(dir, 'keys'));
    other = generateSigningKey(join(dir, 'other'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the Sigstore bundle attest wrote, at level 1 whatever attest declared', async () => {
    const name = await attested(3);
    const r = await verify({ path: name, key: 'keys/runway-signing.pub' });
    assert.equal(r.ok, true, r.reason);
    const digest = digestArtifact(join(dir, name)).digest;
    assert.deepEqual(r.evidence, {
      'attest.signed': true,
      'attest.slsa_level': 1,
      'attest.slsa_source': 'self-declared',
      'attest.digest': digest,
    });
    assert.deepEqual(r.outputs, { digest, 'slsa-level': '1', signer: `key:${keys.keyid}` });
    assert.match(
      r.log,
      /^ {2}signed by key:[0-9a-f]{64}, builder runway, SLSA build level 1 \(builder runway declares level 3 itself and no level policy rule names it: counted as 1\)$/m,
    );
    const production = await verify({
      path: name,
      key: 'keys/runway-signing.pub',
      environment: 'production',
    });
    assert.match(
      production.reason ?? '',
      /^attestation check "slsa-level" failed: .*release-\d+\.sigstore\.json is SLSA build level 1 \(.*\), below the required 3$/,
    );
    assert.deepEqual(production.evidence, { 'attest.signed': true, 'attest.slsa_level': 1 });
  });

  it('grants a level only through the level policy, matching builder and signer', async () => {
    const name = await attested(1);
    const policy = (signer: string) => ({
      path: name,
      key: keys.publicKeyPath,
      environment: 'production',
      builders: [{ builder: 'runway', signer, level: 3 }],
    });
    const granted = await verify(policy(`key:${keys.keyid}`));
    assert.equal(granted.ok, true, granted.reason);
    assert.equal(granted.evidence?.['attest.slsa_source'], 'policy');
    assert.equal(granted.evidence?.['attest.slsa_level'], 3);
    const otherSigner = await verify(policy(`key:${other.keyid}`));
    assert.match(otherSigner.reason ?? '', /"slsa-level" failed: .* is SLSA build level 1 /);
  });

  it('verifies npm provenance from the public-good instance offline, and derives level 2 from its builder', async () => {
    const r = await verify({ ...SIGSTORE_JS, environment: 'staging' });
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(r.evidence, {
      'attest.signed': true,
      'attest.slsa_level': 2,
      'attest.slsa_source': 'policy',
      'attest.digest': 'sha256:f0c641fce0310cb43208f4272dc1423153630e44ba8cdc0b5ce8466f724e0eed',
    });
    assert.equal(r.outputs?.['signer'], SIGSTORE_JS['certificate-identity']);
    const production = await verify({ ...SIGSTORE_JS, environment: 'production' });
    assert.match(
      production.reason ?? '',
      /"slsa-level" failed: .* is SLSA build level 2 \(builder https:\/\/github\.com\/actions\/runner\/github-hosted is level 2 by policy\), below the required 3$/,
    );
  });

  it('refuses npm provenance with a wrong identity, a wrong issuer, a tampered payload or another artifact', async () => {
    const identity = await verify({
      ...SIGSTORE_JS,
      'certificate-identity':
        'https://github.com/sigstore/sigstore-js/.github/workflows/other.yml@refs/heads/main',
    });
    assert.match(
      identity.reason ?? '',
      /^attestation check "identity" failed: .*expected https:\/\/github\.com\/sigstore\/sigstore-js\/\.github\/workflows\/other\.yml@refs\/heads\/main, got https:\/\/github\.com\/sigstore\/sigstore-js\/\.github\/workflows\/release\.yml@refs\/heads\/main$/,
    );
    const issuer = await verify({ ...SIGSTORE_JS, 'certificate-oidc-issuer': 'https://accounts.google.com' });
    assert.match(
      issuer.reason ?? '',
      /^attestation check "issuer" failed: .*expected issuer=https:\/\/accounts\.google\.com/,
    );
    const bundle = JSON.parse(readFileSync(SIGSTORE_JS.attestation, 'utf8'));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    statement.subject[0].name = 'pkg:npm/sigstore@9.9.9';
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(join(dir, 'tampered.sigstore.json'), JSON.stringify(bundle));
    const tampered = await verify({ ...SIGSTORE_JS, attestation: 'tampered.sigstore.json' });
    assert.match(
      tampered.reason ?? '',
      /^attestation check "signature" failed: .*tampered payload or signature/,
    );
    const invalid = await verify({
      ...SIGSTORE_JS,
      attestation: join(SIGSTORE, 'invalid-signature.sigstore.json'),
      'certificate-identity': 'brian@dehamer.com',
      'certificate-oidc-issuer': 'https://github.com/login/oauth',
    });
    assert.match(invalid.reason ?? '', /^attestation check "signature" failed: .*signature/);
    const artifact = await verify({
      ...SIGSTORE_JS,
      path: join(SIGSTORE, 'github_provenance_demo-0.0.12-py3-none-any.whl'),
    });
    assert.match(
      artifact.reason ?? '',
      /^attestation check "digest" failed: artifact .*github_provenance_demo-0\.0\.12-py3-none-any\.whl does not match its attestation \(changed after attesting\?\): expected sha512:90f223f9.*, actual sha256:ae57936d/,
    );
    for (const r of [identity, issuer, tampered, invalid, artifact])
      assert.deepEqual(r.evidence, { 'attest.signed': false });
  });

  it('refuses the GitHub-instance bundle for its unknown trust root, unless that root is given', async () => {
    const r = await verify({
      path: join(SIGSTORE, 'github_provenance_demo-0.0.12-py3-none-any.whl'),
      attestation: join(SIGSTORE, 'github-attest-build-provenance-sigstore-bundle-v0.3.jsonl'),
      'certificate-identity':
        'https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main',
      'certificate-oidc-issuer': 'https://token.actions.githubusercontent.com',
    });
    assert.match(
      r.reason ?? '',
      /^attestation check "trust-root" failed: .*: unknown trust root: the signing certificate was issued by "O=GitHub\\, Inc\., CN=Fulcio Intermediate l2", which is not a certificate authority of the Sigstore public-good root; give its trusted root with trusted-root:$/,
    );
  });

  it('refuses a release changed after attesting, saying which check failed and both digests', async () => {
    const name = await attested(2);
    const before = digestArtifact(join(dir, name)).digest;
    writeFileSync(join(dir, name, 'server.js'), 'process.exit(1)\n');
    const after = digestArtifact(join(dir, name)).digest;
    const r = await verify({ path: name, key: keys.publicKeyPath });
    assert.equal(r.ok, false);
    assert.equal(
      r.reason,
      `attestation check "digest" failed: artifact ${join(dir, name)} does not match its attestation (changed after attesting?): expected ${before}, actual ${after}`,
    );
    assert.deepEqual(r.evidence, { 'attest.signed': false });
  });

  it('refuses an unsigned release and one signed by another key', async () => {
    writeRelease(dir, 'unsigned');
    const unsigned = await verify({ path: 'unsigned', key: keys.publicKeyPath });
    assert.equal(
      unsigned.reason,
      `attestation check "envelope" failed: release is not attested: ${join(dir, 'unsigned.intoto.jsonl')} does not exist`,
    );
    const name = await attested(2);
    const wrongKey = await verify({ path: name, key: other.publicKeyPath });
    assert.match(
      wrongKey.reason ?? '',
      /^attestation check "signature" failed: .* is not signed by .*other\/runway-signing\.pub: signed by an unknown key/,
    );
    const github = await verify({
      path: name,
      key: keys.publicKeyPath,
      attestation: join(ATTESTATIONS, 'slsa-github-generator-generic-v1.10.0-dsse-slsa-v0.2.intoto.jsonl'),
    });
    assert.match(
      github.reason ?? '',
      /"signature" failed: .*signed by an unknown key: no signature verifies with key/,
    );
    assert.deepEqual(github.evidence, { 'attest.signed': false });
  });

  it("takes the minimum SLSA level from the input or the environment's policy", async () => {
    const name = await attested(2);
    const staging = { path: name, key: keys.publicKeyPath, builders: [{ builder: 'runway', level: 2 }] };
    assert.equal((await verify({ ...staging, environment: 'staging' })).ok, true);
    const production = await verify({ ...staging, environment: 'production' });
    assert.match(
      production.reason ?? '',
      /^attestation check "slsa-level" failed: .* is SLSA build level 2 \(builder runway is level 2 by policy\), below the required 3$/,
    );
    assert.deepEqual(production.evidence, { 'attest.signed': true, 'attest.slsa_level': 2 });
    const explicit = await verify({ ...staging, environment: 'production', 'min-slsa-level': 2 });
    assert.equal(explicit.ok, true, 'an explicit minimum wins over the environment');
    const builder = await verify({
      path: name,
      key: keys.publicKeyPath,
      'builder-id': 'https://ci.example.com/builder',
    });
    assert.match(
      builder.reason ?? '',
      /"builder" failed: .* was built by "runway", expected "https:\/\/ci\.example\.com\/builder"$/,
    );
  });

  it('declares inputs that accept the documented shapes and reject typos', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(verifyAttestation.inputs);
    assert.ok(validate({ path: 'dist', key: 'k.pub' }));
    assert.ok(
      validate({
        path: 'dist',
        key: 'k.pub',
        attestation: 'a',
        'min-slsa-level': 3,
        environment: 'staging',
        'builder-id': 'b',
      }),
    );
    assert.ok(validate(SIGSTORE_JS));
    assert.ok(
      validate({ ...SIGSTORE_JS, builders: [{ builder: 'b*', 'build-type': 't', signer: 's', level: 3 }] }),
    );
    for (const bad of [
      { path: 'dist' },
      { path: 'd', 'certificate-identity': 'i' },
      { path: 'd', 'certificate-identity-regexp': 'i' },
      { ...SIGSTORE_JS, builders: [{ builder: 'b', level: 4 }] },
      { path: 'd', key: 'k', environment: 'prod' },
      { path: 'd', key: 'k', 'min-slsa-level': 0 },
    ])
      assert.equal(validate(bad), false, JSON.stringify(bad));
  });
});
