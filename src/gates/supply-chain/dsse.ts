import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { jsonErrorReason } from '../../engine/json-error.ts';

/** The payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A DSSE envelope (https://github.com/secure-systems-lab/dsse, envelope.md). */
export interface Envelope {
  payloadType: string;
  /** Base64 of the payload bytes. */
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

/** Text that holds no DSSE envelope Runway can read. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

/**
 * DSSE's pre-authentication encoding: `DSSEv1 <len type> <type> <len body> <body>`, lengths in bytes,
 * as ASCII decimal. The signature is over these bytes, never over the payload alone.
 *
 * @example pae('http://example.com/HelloWorld', Buffer.from('hello world')) // "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
 */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** The key id Runway writes: sha256 of the public key's SPKI DER, hex. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Signs `payload` into an envelope with one signature by `privateKey` (Ed25519, or ECDSA with SHA-256). */
export function signEnvelope(payloadType: string, payload: Uint8Array, privateKey: KeyObject): Envelope {
  const sig = sign(digestFor(privateKey), pae(payloadType, payload), privateKey);
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: keyIdOf(privateKey), sig: sig.toString('base64') }],
  };
}

/** The outcome of checking an envelope against one public key. */
export type EnvelopeVerification =
  { ok: true; payload: Buffer; keyid: string } | { ok: false; reason: string; keyids: string[] };

/**
 * Checks that one of the envelope's signatures is by `publicKey` over the PAE of its payload. A signature
 * whose `keyid` names another key is not tried; one without a `keyid` is.
 */
export function verifyEnvelope(envelope: Envelope, publicKey: KeyObject): EnvelopeVerification {
  const expected = keyIdOf(publicKey);
  const payload = decodeBase64(envelope.payload, 'payload');
  const message = pae(envelope.payloadType, payload);
  const keyids = envelope.signatures.map((s) => (s.keyid ? s.keyid : '(no keyid)'));
  for (const signature of envelope.signatures) {
    if (signature.keyid && signature.keyid !== expected) continue;
    let valid = false;
    try {
      valid = verify(digestFor(publicKey), message, publicKey, decodeBase64(signature.sig, 'signature'));
    } catch {
      valid = false;
    }
    if (valid) return { ok: true, payload, keyid: expected };
  }
  return {
    ok: false,
    keyids,
    reason:
      envelope.signatures.length === 0
        ? 'the envelope has no signature'
        : `signed by an unknown key: no signature verifies with key ${expected.slice(0, 16)}… (signatures by ${keyids.join(', ')})`,
  };
}

/**
 * Reads the DSSE envelopes in a file's text: a JSON envelope, JSON Lines of envelopes (`.intoto.jsonl`),
 * or a Sigstore bundle (its `dsseEnvelope`). Throws `EnvelopeError` saying what is wrong.
 */
export function parseEnvelopes(text: string): Envelope[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new EnvelopeError('empty file');
  let documents: unknown[];
  try {
    documents = [JSON.parse(trimmed)];
  } catch {
    documents = trimmed.split('\n').map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (error) {
        throw new EnvelopeError(
          `line ${i + 1} is not valid JSON, truncated or corrupt (${jsonErrorReason(error)})`,
        );
      }
    });
  }
  return documents.map((doc, i) => toEnvelope(doc, documents.length > 1 ? `line ${i + 1}: ` : ''));
}

function toEnvelope(doc: unknown, where: string): Envelope {
  const fail = (what: string): never => {
    throw new EnvelopeError(`${where}${what}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return fail('not a DSSE envelope');
  const o = doc as Record<string, unknown>;
  const env = (
    typeof o['dsseEnvelope'] === 'object' && o['dsseEnvelope'] !== null ? o['dsseEnvelope'] : o
  ) as Record<string, unknown>;
  if (typeof env['payloadType'] !== 'string') fail('not a DSSE envelope: payloadType is missing');
  if (typeof env['payload'] !== 'string') fail('not a DSSE envelope: payload is missing');
  if (!Array.isArray(env['signatures'])) fail('not a DSSE envelope: signatures is missing');
  const signatures = (env['signatures'] as unknown[]).map((s, i) => {
    if (typeof s !== 'object' || s === null || typeof (s as { sig?: unknown }).sig !== 'string')
      return fail(`signatures[${i}].sig is missing`);
    const { keyid, sig } = s as { keyid?: unknown; sig: string };
    return { ...(typeof keyid === 'string' ? { keyid } : {}), sig };
  });
  return { payloadType: env['payloadType'] as string, payload: env['payload'] as string, signatures };
}

/** Decodes standard or URL-safe base64, refusing anything else (Buffer alone skips bad characters). */
export function decodeBase64(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new EnvelopeError(`${what} is not base64`);
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

function digestFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? null : 'sha256';
}
