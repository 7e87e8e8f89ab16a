import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parseEnvelopes } from '../../gates/supply-chain/dsse.ts';
import { assertBundleLatest, bundleFromJSON } from '@sigstore/bundle';
import { generateSigningKey, loadPublicKey } from '../../gates/supply-chain/keys.ts';
import { verifySigstoreBundle } from '../../gates/supply-chain/sigstore-bundle.ts';
import { digestArtifact } from '../../gates/supply-chain/tree-digest.ts';
import { attest } from './attest.ts';
import { attestIn, SHA, writeRelease } from './attest.fixture.ts';

let dir: string;
let keys: ReturnType<typeof generateSigningKey>;

function statementOf(envelopePath: string) {
  const [envelope] = parseEnvelopes(readFileSync(envelopePath, 'utf8'));
  return JSON.parse(Buffer.from(envelope!.payload, 'base64').toString('utf8'));
}

describe('attest', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runway-attest-'));
    keys = generateSigningKey(join(dir, 'keys'));
    writeRelease(dir);
    writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('signs SLSA v1 provenance of a directory in a DSSE envelope beside it', async () => {
    const r = await attestIn(dir, {
      path: 'dist',
      key: 'keys/runway-signing.key',
      'slsa-level': 3,
      repository: 'https://github.com/acme/checkout-api',
      materials: ['package-lock.json'],
    });
    assert.equal(r.ok, true, r.reason);
    const digest = digestArtifact(join(dir, 'dist'));
    assert.deepEqual(r.evidence, {
      'attest.signed': true,
      'attest.slsa_level': 1,
      'attest.slsa_declared': 3,
      'attest.digest': digest.digest,
    });
    assert.deepEqual(r.outputs, {
      digest: digest.digest,
      envelope: join(dir, 'dist.intoto.jsonl'),
      bundle: join(dir, 'dist.sigstore.json'),
      keyid: keys.keyid,
      'slsa-level': '3',
    });
    const statement = statementOf(join(dir, 'dist.intoto.jsonl'));
    assert.deepEqual(statement, {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'dist', digest: digest.digestSet }],
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: {
          buildType: 'https://runway.dev/buildtypes/pipeline/v1',
          externalParameters: {
            pipeline: 'checkout-api',
            step: 'security/attest',
            artifact: 'dist',
            ref: 'refs/heads/main',
            sha: SHA,
            repository: 'https://github.com/acme/checkout-api',
          },
          internalParameters: { slsaBuildLevel: 3 },
          resolvedDependencies: [
            { uri: 'git+https://github.com/acme/checkout-api@refs/heads/main', digest: { gitCommit: SHA } },
            { name: 'package-lock.json', digest: digestArtifact(join(dir, 'package-lock.json')).digestSet },
          ],
        },
        runDetails: {
          builder: { id: 'runway' },
          metadata: {
            invocationId: 'runway:checkout-api/runs/7',
            startedOn: '2026-05-04T09:58:00.000Z',
            finishedOn: '2026-05-04T10:00:00.000Z',
          },
        },
      },
    });
    assert.match(r.log, /^directory .*dist: sha256:[0-9a-f]{64} \(2 files\)$/m);
    assert.match(
      r.log,
      /^signed by key [0-9a-f]{16}…, builder runway, declares SLSA build level 3 \(declared\); counts as 1 until a verifier's level policy grants more$/m,
    );
  });

  it('writes a standard Sigstore bundle that verifies on the same path as third-party bundles', async () => {
    const r = await attestIn(dir, {
      path: 'dist',
      key: 'keys/runway-signing.key',
      bundle: 'out/dist.bundle.json',
    });
    assert.equal(r.ok, true, r.reason);
    const doc = JSON.parse(readFileSync(join(dir, 'out/dist.bundle.json'), 'utf8'));
    assert.equal(doc.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.deepEqual(doc.verificationMaterial.publicKey, { hint: keys.keyid });
    assertBundleLatest(bundleFromJSON(doc));
    const verified = verifySigstoreBundle(doc, {
      keys: [{ path: keys.publicKeyPath, key: loadPublicKey(keys.publicKeyPath) }],
    });
    assert.equal(verified.ok, true, JSON.stringify(verified));
    assert.deepEqual(verified.ok && verified.signer, { identity: `key:${keys.keyid}` });
    assert.deepEqual(
      verified.ok && JSON.parse(verified.payload.toString('utf8')),
      statementOf(join(dir, 'dist.intoto.jsonl')),
    );
    const other = generateSigningKey(join(dir, 'other-keys'));
    const refused = verifySigstoreBundle(doc, {
      keys: [{ path: other.publicKeyPath, key: loadPublicKey(other.publicKeyPath) }],
    });
    assert.deepEqual(refused.ok ? 'ok' : refused.check, 'signature');
  });

  it('takes the key as PEM text from a secret and never shows it', async () => {
    const pem = readFileSync(keys.privateKeyPath, 'utf8');
    const file = join(dir, 'app.tgz');
    writeFileSync(file, 'tarball');
    const r = await attestIn(dir, {
      path: 'app.tgz',
      key: pem,
      output: 'attestations/app.jsonl',
      'slsa-level': 2,
    });
    assert.equal(r.ok, true, r.reason);
    assert.equal(
      statementOf(join(dir, 'attestations/app.jsonl')).subject[0].digest.sha256,
      digestArtifact(file).digestSet['sha256'],
    );
    const body = pem.split('\n')[1] ?? '';
    assert.ok(body.length > 20 && !(JSON.stringify(r) + r.log).includes(body));
  });

  it('records level 2 on a CI runner and 1 elsewhere unless a level is declared', async () => {
    const saved = process.env['CI'];
    try {
      process.env['CI'] = 'true';
      const ci = await attestIn(dir, { path: 'dist', key: keys.privateKeyPath, output: 'ci.jsonl' });
      assert.equal(ci.evidence?.['attest.slsa_declared'], 2);
      assert.equal(ci.evidence?.['attest.slsa_level'], 1);
      assert.match(ci.log, /SLSA build level 2 \(signed provenance on a CI runner\)/);
      delete process.env['CI'];
      const laptop = await attestIn(dir, { path: 'dist', key: keys.privateKeyPath, output: 'laptop.jsonl' });
      assert.equal(laptop.evidence?.['attest.slsa_declared'], 1);
    } finally {
      if (saved === undefined) delete process.env['CI'];
      else process.env['CI'] = saved;
    }
  });

  it('fails with a reason naming the file on a missing, wrong-type or broken key and a missing artifact', async () => {
    const missing = await attestIn(dir, { path: 'dist', key: 'keys/none.key' });
    assert.equal(missing.reason, `cannot sign: key file ${join(dir, 'keys/none.key')} does not exist`);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    writeFileSync(join(dir, 'keys/rsa.key'), rsa);
    const wrong = await attestIn(dir, { path: 'dist', key: 'keys/rsa.key' });
    assert.equal(
      wrong.reason,
      `cannot sign: key ${join(dir, 'keys/rsa.key')} is a rsa key; Runway signs with ed25519 keys`,
    );
    const pub = await attestIn(dir, { path: 'dist', key: keys.publicKeyPath });
    assert.equal(pub.reason, `cannot sign: key ${keys.publicKeyPath} is not a PEM private key`);
    const noArtifact = await attestIn(dir, { path: 'build', key: keys.privateKeyPath });
    assert.equal(noArtifact.reason, `cannot attest: artifact ${join(dir, 'build')} does not exist`);
    const noMaterial = await attestIn(dir, {
      path: 'dist',
      key: keys.privateKeyPath,
      materials: ['yarn.lock'],
    });
    assert.equal(noMaterial.reason, `cannot attest: artifact ${join(dir, 'yarn.lock')} does not exist`);
    for (const r of [missing, wrong, pub, noArtifact, noMaterial]) assert.equal(r.ok, false);
  });

  it('refuses to write the envelope inside the artifact it attests', async () => {
    const r = await attestIn(dir, {
      path: 'dist',
      key: keys.privateKeyPath,
      output: 'dist/provenance.jsonl',
    });
    assert.equal(
      r.reason,
      `output: ${join(dir, 'dist/provenance.jsonl')} is inside the artifact ${join(dir, 'dist')}; writing it would change it`,
    );
  });

  it('declares inputs that accept the documented shapes and reject typos', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(attest.inputs);
    assert.ok(validate({ path: 'dist', key: 'k' }));
    assert.ok(
      validate({
        path: 'dist',
        key: 'k',
        output: 'o',
        'slsa-level': 2,
        'builder-id': 'b',
        repository: 'r',
        materials: ['a'],
      }),
    );
    for (const bad of [
      { path: 'dist' },
      { key: 'k' },
      { path: 'd', key: 'k', 'slsa-level': 4 },
      { path: 'd', key: 'k', level: 2 },
    ])
      assert.equal(validate(bad), false, JSON.stringify(bad));
  });
});
