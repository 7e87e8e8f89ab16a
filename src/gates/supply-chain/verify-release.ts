import { readFileSync } from 'node:fs';
import { DigestError, digestArtifact, digestOf } from './tree-digest.ts';
import { EnvelopeError, IN_TOTO_PAYLOAD_TYPE, parseEnvelopes, verifyEnvelope } from './dsse.ts';
import { KeyError, loadPublicKey } from './keys.ts';
import {
  parseStatement,
  readProvenance,
  RUNWAY_BUILDER_ID,
  StatementError,
  type SlsaLevel,
} from './provenance.ts';

/** What to check a release against. */
export interface ReleaseVerificationInput {
  /** The artifact as it is now: a file or a directory. */
  artifactPath: string;
  /** The DSSE envelope `attest` wrote. */
  envelopePath: string;
  /** The public half of the signing key (SPKI PEM). */
  publicKeyPath: string;
  /** The builder the provenance must name; default `runway`. */
  builderId?: string;
  /** The lowest SLSA build level accepted; default: any. */
  minSlsaLevel?: number;
}

/** A release whose attestation holds, or the first check that failed and why. */
export type ReleaseVerification =
  | { ok: true; digest: string; slsaLevel: SlsaLevel; builderId: string; keyid: string; subject: string }
  | { ok: false; reason: string; check: ReleaseCheck; slsaLevel?: SlsaLevel };

/** The checks, in the order they run. */
export const RELEASE_CHECKS = [
  'key',
  'envelope',
  'signature',
  'statement',
  'builder',
  'digest',
  'slsa-level',
] as const;
export type ReleaseCheck = (typeof RELEASE_CHECKS)[number];

/**
 * Verifies a release artifact against its attestation: the envelope is signed by the public key, the
 * statement is SLSA v1 provenance by the expected builder, its subject digest is the artifact's digest
 * now (so a release changed after attesting is refused), and its SLSA level is high enough.
 * Never throws: every problem is `{ ok: false, reason }`, the reason naming the file and the check.
 *
 * @example verifyReleaseAttestation({ artifactPath: 'dist', envelopePath: 'dist.intoto.jsonl', publicKeyPath: 'keys/runway-signing.pub' })
 */
export function verifyReleaseAttestation(input: ReleaseVerificationInput): ReleaseVerification {
  const refuse = (check: ReleaseCheck, reason: string): ReleaseVerification => ({ ok: false, check, reason });
  const { artifactPath, envelopePath, publicKeyPath } = input;
  const builderId = input.builderId ?? RUNWAY_BUILDER_ID;
  try {
    // the key and the envelope
    let publicKey;
    try {
      publicKey = loadPublicKey(publicKeyPath);
    } catch (error) {
      if (error instanceof KeyError)
        return refuse('key', `cannot verify with the public key: ${error.message}`);
      throw error;
    }
    let text: string;
    try {
      text = readFileSync(envelopePath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return refuse(
        'envelope',
        code === 'ENOENT'
          ? `release is not attested: ${envelopePath} does not exist`
          : `cannot read attestation ${envelopePath}: ${code}`,
      );
    }
    let envelopes;
    try {
      envelopes = parseEnvelopes(text);
    } catch (error) {
      if (error instanceof EnvelopeError)
        return refuse('envelope', `attestation ${envelopePath}: ${error.message}`);
      throw error;
    }

    // a signature by our key
    const failures: string[] = [];
    let verified: { payload: Buffer; keyid: string; payloadType: string } | undefined;
    for (const envelope of envelopes) {
      let result;
      try {
        result = verifyEnvelope(envelope, publicKey);
      } catch (error) {
        if (!(error instanceof EnvelopeError)) throw error;
        failures.push(error.message);
        continue;
      }
      if (result.ok) {
        verified = { payload: result.payload, keyid: result.keyid, payloadType: envelope.payloadType };
        break;
      }
      failures.push(result.reason);
    }
    if (!verified)
      return refuse(
        'signature',
        `attestation ${envelopePath} is not signed by ${publicKeyPath}: ${failures.join('; ')}`,
      );
    if (verified.payloadType !== IN_TOTO_PAYLOAD_TYPE)
      return refuse(
        'statement',
        `attestation ${envelopePath}: payloadType is ${JSON.stringify(verified.payloadType)}, expected "${IN_TOTO_PAYLOAD_TYPE}"`,
      );

    // what the signed statement says
    let statement;
    let provenance;
    try {
      statement = parseStatement(verified.payload);
      provenance = readProvenance(statement);
    } catch (error) {
      if (error instanceof StatementError)
        return refuse('statement', `attestation ${envelopePath}: ${error.message}`);
      throw error;
    }
    if (provenance.builderId !== builderId)
      return refuse(
        'builder',
        `attestation ${envelopePath} was built by ${JSON.stringify(provenance.builderId)}, expected ${JSON.stringify(builderId)}`,
      );

    // the artifact as it is now
    let actual;
    try {
      actual = digestArtifact(artifactPath);
    } catch (error) {
      if (error instanceof DigestError) return refuse('digest', error.message);
      throw error;
    }
    const expected = statement.subject.map((s) => digestOf(s.digest)).filter((d) => d !== undefined);
    if (expected.length === 0)
      return refuse(
        'digest',
        `attestation ${envelopePath} has no sha256 or dirHash subject digest to compare`,
      );
    const match = statement.subject.find((s) => digestOf(s.digest) === actual.digest);
    if (!match)
      return refuse(
        'digest',
        `artifact ${artifactPath} does not match its attestation (changed after attesting?): expected ${expected.join(' or ')}, actual ${actual.digest}`,
      );

    // the level
    if (provenance.slsaLevel === undefined)
      return refuse('slsa-level', `attestation ${envelopePath} records no SLSA build level`);
    if (input.minSlsaLevel !== undefined && provenance.slsaLevel < input.minSlsaLevel)
      return {
        ...refuse(
          'slsa-level',
          `attestation ${envelopePath} is SLSA build level ${provenance.slsaLevel}, below the required ${input.minSlsaLevel}`,
        ),
        slsaLevel: provenance.slsaLevel,
      } as ReleaseVerification;
    return {
      ok: true,
      digest: actual.digest,
      slsaLevel: provenance.slsaLevel,
      builderId: provenance.builderId,
      keyid: verified.keyid,
      subject: match.name ?? actual.name,
    };
  } catch (error) {
    return refuse('envelope', `cannot verify ${envelopePath}: ${(error as Error).message}`);
  }
}
