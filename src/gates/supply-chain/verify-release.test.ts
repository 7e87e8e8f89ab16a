import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.ts';
import { generateSigningKey, KeyError, loadPublicKey, loadSigningKey } from './keys.ts';
import { buildProvenance, type SlsaLevel } from './provenance.ts';
import { digestArtifact } from './tree-digest.ts';
import { verifyReleaseAttestation } from './verify-release.ts';

const FIXTURES = new URL('../../../test/fixtures/supply-chain/attestations/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-verify-release-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const keys = generateSigningKey(join(scratch, 'keys'));
const otherKeys = generateSigningKey(join(scratch, 'other-keys'));
let n = 0;

/** A release directory and its envelope, attested the way `uses: attest` does. */
function release(opts: { level?: SlsaLevel; builderId?: string; key?: string } = {}) {
  const dir = join(scratch, `release-${n++}`);
  const artifactPath = join(dir, 'dist');
  mkdirSync(join(artifactPath, 'assets'), { recursive: true });
  writeFileSync(join(artifactPath, 'server.js'), 'console.log("v1")\n');
  writeFileSync(join(artifactPath, 'assets/app.css'), 'body{}\n');
  const subject = digestArtifact(artifactPath);
  const statement = buildProvenance({
    subject: { name: subject.name, digest: subject.digestSet },
    builderId: opts.builderId ?? 'runway',
    slsaLevel: opts.level ?? 2,
    externalParameters: { pipeline: 'svc' },
    resolvedDependencies: [],
    invocationId: 'runway:svc/runs/1',
    finishedOn: '2026-05-04T10:00:00.000Z',
  });
  const envelope = signEnvelope(
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement)),
    loadSigningKey(opts.key ?? keys.privateKeyPath, 'key'),
  );
  const envelopePath = `${artifactPath}.intoto.jsonl`;
  writeFileSync(envelopePath, `${JSON.stringify(envelope)}\n`);
  return { artifactPath, envelopePath, publicKeyPath: keys.publicKeyPath, digest: subject.digest };
}

describe('verifyReleaseAttestation', () => {
  it('accepts an untouched release and returns its digest and level', () => {
    const r = release({ level: 3 });
    const result = verifyReleaseAttestation(r);
    assert.deepEqual(result, {
      ok: true,
      digest: r.digest,
      slsaLevel: 1,
      level: {
        level: 1,
        source: 'self-declared',
        why: 'builder runway declares level 3 itself and no level policy rule names it: counted as 1',
      },
      builderId: 'runway',
      signer: `key:${keys.keyid}`,
      subject: 'dist',
    });
  });

  it('refuses a release changed after attesting, naming expected and actual digests', () => {
    const r = release();
    writeFileSync(join(r.artifactPath, 'server.js'), 'console.log("v2")\n');
    const result = verifyReleaseAttestation(r);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.check, 'digest');
    const now = digestArtifact(r.artifactPath).digest;
    assert.equal(
      !result.ok && result.reason,
      `artifact ${r.artifactPath} does not match its attestation (changed after attesting?): expected ${r.digest}, actual ${now}`,
    );
    const added = release();
    writeFileSync(join(added.artifactPath, 'extra.js'), '');
    assert.equal(verifyReleaseAttestation(added).ok, false);
  });

  it('refuses an unsigned release, a signature by another key and a tampered envelope', () => {
    const r = release();
    rmSync(r.envelopePath);
    const unsigned = verifyReleaseAttestation(r);
    assert.deepEqual(unsigned, {
      ok: false,
      check: 'envelope',
      reason: `release is not attested: ${r.envelopePath} does not exist`,
    });

    const foreign = release({ key: otherKeys.privateKeyPath });
    const byOther = verifyReleaseAttestation(foreign);
    assert.equal(!byOther.ok && byOther.check, 'signature');
    assert.match(
      !byOther.ok ? byOther.reason : '',
      new RegExp(
        `is not signed by .*runway-signing\\.pub: signed by an unknown key: .*signatures by ${otherKeys.keyid}`,
      ),
    );

    const tampered = release();
    const envelope = JSON.parse(readFileSync(tampered.envelopePath, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
    statement.subject[0].digest = digestArtifact(join(tampered.artifactPath, 'server.js')).digestSet;
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    writeFileSync(tampered.envelopePath, JSON.stringify(envelope));
    const forged = verifyReleaseAttestation(tampered);
    assert.equal(!forged.ok && forged.check, 'signature');
  });

  it('refuses the real GitHub and SLSA generator attestations: their keys are not ours', () => {
    const r = release();
    const github = verifyReleaseAttestation({
      ...r,
      envelopePath: FIXTURES + 'github-attest-build-provenance-sigstore-bundle-v0.3.jsonl',
    });
    assert.equal(!github.ok && github.check, 'trust-root');
    assert.match(!github.ok ? github.reason : '', /unknown trust root/);
    for (const name of [
      'slsa-github-generator-bazel-dsse-slsa-v1.json',
      'slsa-github-generator-generic-v1.10.0-dsse-slsa-v0.2.intoto.jsonl',
    ]) {
      const result = verifyReleaseAttestation({ ...r, envelopePath: FIXTURES + name });
      assert.equal(!result.ok && result.check, 'signature', name);
      assert.match(!result.ok ? result.reason : '', /signed by an unknown key/, name);
    }
  });

  it('checks the builder and the minimum SLSA level', () => {
    const r = release({ builderId: 'someone-else', level: 1 });
    const builder = verifyReleaseAttestation(r);
    assert.equal(
      !builder.ok && builder.reason,
      `attestation ${r.envelopePath} was built by "someone-else", expected "runway"`,
    );
    assert.equal(verifyReleaseAttestation({ ...r, builderId: 'someone-else' }).ok, true);
    const low = verifyReleaseAttestation({ ...r, builderId: 'someone-else', minSlsaLevel: 2 });
    assert.deepEqual(low, {
      ok: false,
      check: 'slsa-level',
      reason: `attestation ${r.envelopePath} is SLSA build level 1 (signed provenance from builder someone-else, which no level policy rule names), below the required 2`,
      slsaLevel: 1,
    });
    const declared = release({ level: 2 });
    assert.equal(verifyReleaseAttestation({ ...declared, minSlsaLevel: 2 }).ok, false);
    const granted = { ...declared, minSlsaLevel: 2, builders: [{ builder: 'runway', level: 2 as const }] };
    assert.equal(verifyReleaseAttestation(granted).ok, true);
  });

  it('never throws: missing key, garbage envelope, missing artifact', () => {
    const r = release();
    const noKey = verifyReleaseAttestation({ ...r, publicKeyPath: join(scratch, 'none.pub') });
    assert.equal(
      !noKey.ok && noKey.reason,
      `cannot verify with the public key: key file ${join(scratch, 'none.pub')} does not exist`,
    );
    writeFileSync(join(scratch, 'garbage.pub'), 'not a key');
    assert.match(
      (() => {
        const x = verifyReleaseAttestation({ ...r, publicKeyPath: join(scratch, 'garbage.pub') });
        return !x.ok ? x.reason : '';
      })(),
      /garbage\.pub is not a PEM public key/,
    );
    writeFileSync(join(scratch, 'cut.jsonl'), readFileSync(r.envelopePath, 'utf8').slice(0, 50));
    const cut = verifyReleaseAttestation({ ...r, envelopePath: join(scratch, 'cut.jsonl') });
    assert.match(
      !cut.ok ? cut.reason : '',
      /^attestation .*cut\.jsonl: line 1 is not valid JSON, truncated or corrupt/,
    );
    rmSync(r.artifactPath, { recursive: true });
    const gone = verifyReleaseAttestation(r);
    assert.equal(!gone.ok && gone.reason, `artifact ${r.artifactPath} does not exist`);
  });
});

describe('signing keys', () => {
  it('writes a PKCS#8 private key readable by the owner only, and an SPKI public key', () => {
    assert.equal(statSync(keys.privateKeyPath).mode & 0o777, 0o600);
    assert.match(readFileSync(keys.privateKeyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(readFileSync(keys.publicKeyPath, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(loadPublicKey(keys.publicKeyPath).asymmetricKeyType, 'ed25519');
    assert.throws(() => generateSigningKey(join(scratch, 'keys')), /runway-signing\.key already exists/);
  });

  it('reads a key from PEM text too, and names the file, never the text, in errors', () => {
    const pem = readFileSync(keys.privateKeyPath, 'utf8');
    assert.equal(loadSigningKey(pem, 'key (PEM text)').asymmetricKeyType, 'ed25519');
    assert.throws(
      () => loadSigningKey(keys.publicKeyPath, keys.publicKeyPath),
      /runway-signing\.pub is not a PEM private key/,
    );
    const broken = `${pem.slice(0, 60)}\n-----END PRIVATE KEY-----\n`;
    assert.throws(
      () => loadSigningKey(broken, 'key (PEM text)'),
      (error: Error) => {
        assert.ok(error instanceof KeyError);
        assert.equal(error.message, 'key (PEM text) is not a PEM private key');
        return true;
      },
    );
  });
});
