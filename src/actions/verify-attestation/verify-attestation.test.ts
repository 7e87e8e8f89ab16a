import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('accepts what attest signed, and records the evidence the release gate reads', async () => {
    const name = await attested(3);
    const r = await verify({ path: name, key: 'keys/runway-signing.pub', environment: 'production' });
    assert.equal(r.ok, true, r.reason);
    const digest = digestArtifact(join(dir, name)).digest;
    assert.deepEqual(r.evidence, { 'attest.signed': true, 'attest.slsa_level': 3, 'attest.digest': digest });
    assert.deepEqual(r.outputs, { digest, 'slsa-level': '3' });
    assert.match(
      r.log,
      /^ {2}signed by key [0-9a-f]{16}…, builder runway, SLSA build level 3 \(at least 3 required\)$/m,
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
      attestation: join(ATTESTATIONS, 'github-attest-build-provenance-sigstore-bundle-v0.3.jsonl'),
    });
    assert.match(
      github.reason ?? '',
      /"signature" failed: .*signed by an unknown key: no signature verifies with key/,
    );
    assert.deepEqual(github.evidence, { 'attest.signed': false });
  });

  it("takes the minimum SLSA level from the input or the environment's policy", async () => {
    const name = await attested(2);
    assert.equal((await verify({ path: name, key: keys.publicKeyPath, environment: 'staging' })).ok, true);
    const production = await verify({ path: name, key: keys.publicKeyPath, environment: 'production' });
    assert.match(
      production.reason ?? '',
      /^attestation check "slsa-level" failed: .* is SLSA build level 2, below the required 3$/,
    );
    assert.deepEqual(production.evidence, { 'attest.signed': true, 'attest.slsa_level': 2 });
    const explicit = await verify({
      path: name,
      key: keys.publicKeyPath,
      environment: 'production',
      'min-slsa-level': 2,
    });
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
    for (const bad of [
      { path: 'dist' },
      { path: 'd', key: 'k', environment: 'prod' },
      { path: 'd', key: 'k', 'min-slsa-level': 0 },
    ])
      assert.equal(validate(bad), false, JSON.stringify(bad));
  });
});
