import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  decodeBase64,
  EnvelopeError,
  keyIdOf,
  pae,
  parseEnvelopes,
  signEnvelope,
  verifyEnvelope,
} from './dsse.ts';

const FIXTURES = new URL('../../../test/fixtures/supply-chain/attestations/', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(FIXTURES + name, 'utf8');
const ours = generateKeyPairSync('ed25519');
const theirs = generateKeyPairSync('ed25519');

describe('DSSE', () => {
  it('encodes PAE as the spec example does, with byte lengths', () => {
    assert.equal(
      pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString(),
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    assert.equal(pae('t', Buffer.from('é')).toString(), 'DSSEv1 1 t 2 é');
    assert.equal(pae('', Buffer.alloc(0)).toString(), 'DSSEv1 0  0 ');
  });

  it('verifies the signatures GitHub and slsa-github-generator made, so our PAE is the real one', () => {
    const bundleText = fixture('github-attest-build-provenance-sigstore-bundle-v0.3.jsonl');
    const bundle = JSON.parse(bundleText);
    const cert = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'));
    const [github] = parseEnvelopes(bundleText);
    const verified = verifyEnvelope(github!, cert.publicKey);
    assert.equal(verified.ok, true);
    assert.deepEqual(
      verified.ok && verified.payload,
      readFileSync(FIXTURES + 'github-attest-build-provenance-statement-v1.decoded.json'),
    );

    const genericText = fixture('slsa-github-generator-generic-v1.10.0-dsse-slsa-v0.2.intoto.jsonl');
    const generic = parseEnvelopes(genericText);
    const genericCert = new X509Certificate(JSON.parse(genericText).signatures[0].cert);
    assert.equal(verifyEnvelope(generic[0]!, genericCert.publicKey).ok, true);
  });

  it('signs with Ed25519 over the PAE and names the key by its SPKI sha256', () => {
    const envelope = signEnvelope('application/vnd.in-toto+json', Buffer.from('{"a":1}'), ours.privateKey);
    assert.equal(envelope.signatures[0]?.keyid, keyIdOf(ours.publicKey));
    assert.equal(keyIdOf(ours.privateKey), keyIdOf(ours.publicKey));
    assert.match(keyIdOf(ours.publicKey), /^[0-9a-f]{64}$/);
    const ok = verifyEnvelope(envelope, ours.publicKey);
    assert.deepEqual(ok, { ok: true, payload: Buffer.from('{"a":1}'), keyid: keyIdOf(ours.publicKey) });
  });

  it('rejects a changed payload, payload type or signature, and other keys', () => {
    const envelope = signEnvelope('application/vnd.in-toto+json', Buffer.from('{"a":1}'), ours.privateKey);
    assert.equal(
      verifyEnvelope({ ...envelope, payload: Buffer.from('{"a":2}').toString('base64') }, ours.publicKey).ok,
      false,
    );
    assert.equal(verifyEnvelope({ ...envelope, payloadType: 'text/plain' }, ours.publicKey).ok, false);
    const bad = { ...envelope, signatures: [{ sig: Buffer.alloc(64).toString('base64') }] };
    assert.equal(verifyEnvelope(bad, ours.publicKey).ok, false);
    const other = verifyEnvelope(envelope, theirs.publicKey);
    assert.equal(other.ok, false);
    assert.match(
      !other.ok ? other.reason : '',
      /^signed by an unknown key: no signature verifies with key [0-9a-f]{16}… \(signatures by [0-9a-f]{64}\)$/,
    );
    const unsigned = verifyEnvelope({ ...envelope, signatures: [] }, ours.publicKey);
    assert.equal(!unsigned.ok && unsigned.reason, 'the envelope has no signature');
  });

  it('rejects every real fixture envelope with our key, as signed by an unknown key', () => {
    for (const name of [
      'github-attest-build-provenance-sigstore-bundle-v0.3.jsonl',
      'google-bcid-vsa-dsse-statement-v1.jsonl',
      'slsa-github-generator-bazel-dsse-slsa-v1.json',
      'slsa-github-generator-generic-v1.10.0-dsse-slsa-v0.2.intoto.jsonl',
      'trivy-centos-7-cyclonedx-dsse.intoto.jsonl',
    ]) {
      const envelopes = parseEnvelopes(fixture(name));
      assert.equal(envelopes.length, 1, name);
      const result = verifyEnvelope(envelopes[0]!, ours.publicKey);
      assert.equal(result.ok, false, name);
      assert.match(!result.ok ? result.reason : '', /^signed by an unknown key/, name);
    }
    const vsa = verifyEnvelope(
      parseEnvelopes(fixture('google-bcid-vsa-dsse-statement-v1.jsonl'))[0]!,
      ours.publicKey,
    );
    assert.match(
      !vsa.ok ? vsa.reason : '',
      /signatures by keystore:\/\/76574:prod:vsa_signing_public_key\)$/,
    );
  });

  it('reads envelopes from JSON, JSON Lines and Sigstore bundles, and says what is wrong otherwise', () => {
    const envelope = signEnvelope('x', Buffer.from('1'), ours.privateKey);
    const line = JSON.stringify(envelope);
    assert.equal(parseEnvelopes(`${line}\n${line}\n`).length, 2);
    assert.equal(parseEnvelopes(JSON.stringify(envelope, null, 2)).length, 1);
    const cases: [string, RegExp][] = [
      ['', /empty file/],
      [line.slice(0, 40), /line 1 is not valid JSON, truncated or corrupt/],
      [`${line}\n{"oops"`, /line 2 is not valid JSON/],
      ['[1]', /not a DSSE envelope/],
      ['{"payload":"e30="}', /payloadType is missing/],
      ['{"payloadType":"x","payload":"e30=","signatures":[{}]}', /signatures\[0\]\.sig is missing/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseEnvelopes(text), message, text);
    assert.throws(() => parseEnvelopes(''), EnvelopeError);
    assert.throws(() => decodeBase64('not base64!', 'payload'), /payload is not base64/);
    assert.deepEqual(decodeBase64('-_8', 'x'), Buffer.from([0xfb, 0xff]));
  });
});
