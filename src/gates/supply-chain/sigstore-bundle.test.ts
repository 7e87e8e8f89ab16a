import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verifySigstoreBundle } from './sigstore-bundle.ts';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/sigstore/${name}`, import.meta.url));
const read = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fixture(name), 'utf8').trim());
const ROOT = fixture('public-good-trusted-root.cli-testdata.json');
const NPM = 'sigstore-2.1.0-npm-provenance.sigstore.json';
const POLICY = {
  trustedRoot: ROOT,
  identity: 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};

describe('verifySigstoreBundle (public-good bundles, offline)', () => {
  it('verifies npm provenance against the identity and issuer policy, at the log entry time', () => {
    for (const name of [NPM, 'sigstore-2.1.0-npm-provenance.bundle-v0.1.sigstore.json']) {
      const r = verifySigstoreBundle(read(name), POLICY);
      assert.equal(r.ok, true, JSON.stringify(r));
      if (!r.ok) continue;
      assert.equal(r.signer.identity, POLICY.identity);
      assert.equal(r.signer.issuer, POLICY.issuer);
      assert.equal(r.payloadType, 'application/vnd.in-toto+json');
    }
  });

  it('verifies with the public-good root Runway ships when no root is given', () => {
    const { trustedRoot: _, ...policy } = POLICY;
    assert.equal(verifySigstoreBundle(read(NPM), policy).ok, true);
  });

  it('accepts an identity regexp', () => {
    const r = verifySigstoreBundle(read(NPM), {
      trustedRoot: ROOT,
      identityRegexp: '^https://github\\.com/sigstore/sigstore-js/',
      issuer: POLICY.issuer,
    });
    assert.equal(r.ok, true);
  });

  it('refuses an identity regexp that does not compile, naming the input', () => {
    const r = verifySigstoreBundle(read(NPM), {
      trustedRoot: ROOT,
      identityRegexp: '(',
      issuer: POLICY.issuer,
    });
    assert.deepEqual(r.ok ? 'ok' : r.check, 'identity');
    assert.match(r.ok ? '' : r.reason, /^certificate-identity-regexp is not a regular expression: /);
  });

  it('refuses a wrong identity, naming the expected and the actual one', () => {
    const r = verifySigstoreBundle(read(NPM), {
      ...POLICY,
      identity: 'https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main',
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.check, 'identity');
    assert.match(r.reason, /evil\/fork/);
    assert.match(r.reason, /sigstore\/sigstore-js/);
  });

  it('refuses a wrong issuer', () => {
    const r = verifySigstoreBundle(read(NPM), { ...POLICY, issuer: 'https://accounts.google.com' });
    assert.deepEqual(r.ok ? 'ok' : [r.check, /accounts\.google\.com/.test(r.reason)], ['issuer', true]);
  });

  it('refuses a tampered payload', () => {
    const doc = read(NPM) as { dsseEnvelope: { payload: string } };
    const statement = JSON.parse(Buffer.from(doc.dsseEnvelope.payload, 'base64').toString('utf8'));
    statement.subject[0].digest.sha512 = '0'.repeat(128);
    doc.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const r = verifySigstoreBundle(doc, POLICY);
    assert.deepEqual(r.ok ? 'ok' : r.check, 'signature');
    assert.match(r.ok ? '' : r.reason, /tampered/);
  });

  it('checks the transparency log inclusion proof carried in the bundle', () => {
    const doc = read(NPM) as {
      verificationMaterial: { tlogEntries: { inclusionProof: { hashes: string[] } }[] };
    };
    const proof = doc.verificationMaterial.tlogEntries[0]!.inclusionProof;
    proof.hashes[0] = Buffer.alloc(32, 7).toString('base64');
    const r = verifySigstoreBundle(doc, POLICY);
    assert.deepEqual(r.ok ? 'ok' : r.check, 'signature');
    assert.match(r.ok ? '' : r.reason, /^the transparency log entry does not hold: /);
  });

  it('refuses the bundle whose signature is invalid', () => {
    const r = verifySigstoreBundle(read('invalid-signature.sigstore.json'), {
      trustedRoot: ROOT,
      identity: 'brian@dehamer.com',
      issuer: 'https://github.com/login/oauth',
    });
    assert.deepEqual(r.ok ? 'ok' : r.check, 'signature');
  });

  it('refuses the GitHub-instance bundle for its unknown trust root, by name', () => {
    const r = verifySigstoreBundle(read('github-attest-build-provenance-sigstore-bundle-v0.3.jsonl'), {
      trustedRoot: ROOT,
      identity: 'https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.check, 'trust-root');
    assert.match(r.reason, /^unknown trust root: .*O=GitHub\\?, Inc\., CN=Fulcio Intermediate l2/);
  });

  it('refuses a keyless bundle without an identity policy, and a bundle that is not one', () => {
    assert.deepEqual((({ identity: _, ...p }) => verifySigstoreBundle(read(NPM), p))(POLICY), {
      ok: false,
      check: 'identity',
      reason:
        'a keyless bundle needs a certificate-identity (or certificate-identity-regexp) to verify against',
    });
    const r = verifySigstoreBundle({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }, POLICY);
    assert.deepEqual(r.ok ? 'ok' : r.check, 'bundle');
  });
});
