import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
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
import { isSigstoreBundle, verifySigstoreBundle } from './sigstore-bundle.ts';
import { deriveSlsaLevel, type BuilderLevel, type DerivedLevel } from './slsa-level.ts';

/** What to check a release against. */
export interface ReleaseVerificationInput {
  /** The artifact as it is now: a file or a directory (or, for an image, its reference). */
  artifactPath: string;
  /** The image's digest (`sha256:…`): checked against the subject instead of reading `artifactPath`. */
  imageDigest?: string;
  /** The attestation: a Sigstore bundle, or a DSSE envelope (`.intoto.jsonl`). */
  envelopePath: string;
  /** The public half of the signing key (SPKI PEM), for key-signed attestations. */
  publicKeyPath?: string;
  /** Trusted root file for keyless bundles; default the Sigstore public-good root. */
  trustedRoot?: string;
  /** The certificate identity (subject alternative name) a keyless bundle must carry. */
  identity?: string;
  /** A regular expression the certificate identity must match. */
  identityRegexp?: string;
  /** The OIDC issuer a keyless bundle's certificate must name. */
  issuer?: string;
  /** The builder the provenance must name; default `runway` for DSSE envelopes, any for bundles. */
  builderId?: string;
  /** The lowest SLSA build level accepted; default: any. */
  minSlsaLevel?: number;
  /** Level policy rules, before Runway's defaults. */
  builders?: readonly BuilderLevel[];
}

/** A release whose attestation holds, or the first check that failed and why. */
export type ReleaseVerification =
  | {
      ok: true;
      digest: string;
      slsaLevel: SlsaLevel;
      level: DerivedLevel;
      builderId: string;
      /** Who signed: a certificate identity, or `key:<keyid>`. */
      signer: string;
      subject: string;
    }
  | { ok: false; reason: string; check: ReleaseCheck; slsaLevel?: SlsaLevel };

/** The checks, in the order they run. */
export const RELEASE_CHECKS = [
  'key',
  'envelope',
  'bundle',
  'trust-root',
  'signature',
  'identity',
  'issuer',
  'statement',
  'builder',
  'digest',
  'slsa-level',
] as const;
export type ReleaseCheck = (typeof RELEASE_CHECKS)[number];

/**
 * Verifies a release artifact against its attestation: a Sigstore bundle (keyless against the trusted
 * root and the identity policy, or signed by the given key) or a DSSE envelope signed by the given key;
 * the statement is SLSA v1 provenance (by the expected builder when one is named); its subject digest is
 * the artifact's digest now (so a release changed after attesting is refused); and the level the level
 * policy grants its builder is high enough. Never throws: every problem is `{ ok: false, reason }`, the
 * reason naming the file and the check.
 *
 * @example verifyReleaseAttestation({ artifactPath: 'dist', envelopePath: 'dist.sigstore.json', publicKeyPath: 'keys/runway-signing.pub' })
 */
export function verifyReleaseAttestation(input: ReleaseVerificationInput): ReleaseVerification {
  const refuse = (check: ReleaseCheck, reason: string): ReleaseVerification => ({ ok: false, check, reason });
  const { artifactPath, envelopePath } = input;
  try {
    // the key and the attestation
    let publicKey;
    if (input.publicKeyPath !== undefined)
      try {
        publicKey = loadPublicKey(input.publicKeyPath);
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
    let bundle: unknown;
    try {
      bundle = JSON.parse(text);
    } catch {
      bundle = undefined;
    }

    // a signature we trust
    let verified: { payload: Buffer; payloadType: string; signer: string };
    if (isSigstoreBundle(bundle)) {
      const result = verifySigstoreBundle(bundle, {
        ...(input.trustedRoot !== undefined ? { trustedRoot: input.trustedRoot } : {}),
        ...(input.identity !== undefined ? { identity: input.identity } : {}),
        ...(input.identityRegexp !== undefined ? { identityRegexp: input.identityRegexp } : {}),
        ...(input.issuer !== undefined ? { issuer: input.issuer } : {}),
        keys: publicKey && input.publicKeyPath ? [{ path: input.publicKeyPath, key: publicKey }] : [],
      });
      if (!result.ok) return refuse(result.check, `attestation ${envelopePath}: ${result.reason}`);
      verified = { payload: result.payload, payloadType: result.payloadType, signer: result.signer.identity };
    } else {
      if (!publicKey || input.publicKeyPath === undefined)
        return refuse('key', `attestation ${envelopePath} is a DSSE envelope: verifying it needs a key`);
      let envelopes;
      try {
        envelopes = parseEnvelopes(text);
      } catch (error) {
        if (error instanceof EnvelopeError)
          return refuse('envelope', `attestation ${envelopePath}: ${error.message}`);
        throw error;
      }
      const failures: string[] = [];
      let found: typeof verified | undefined;
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
          found = {
            payload: result.payload,
            payloadType: envelope.payloadType,
            signer: `key:${result.keyid}`,
          };
          break;
        }
        failures.push(result.reason);
      }
      if (!found)
        return refuse(
          'signature',
          `attestation ${envelopePath} is not signed by ${input.publicKeyPath}: ${failures.join('; ')}`,
        );
      verified = found;
    }
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
    const builderId = input.builderId ?? (isSigstoreBundle(bundle) ? undefined : RUNWAY_BUILDER_ID);
    if (builderId !== undefined && provenance.builderId !== builderId)
      return refuse(
        'builder',
        `attestation ${envelopePath} was built by ${JSON.stringify(provenance.builderId)}, expected ${JSON.stringify(builderId)}`,
      );

    // the artifact as it is now
    let actual;
    try {
      actual =
        input.imageDigest !== undefined
          ? { digest: input.imageDigest, name: artifactPath }
          : digestArtifact(artifactPath);
    } catch (error) {
      if (error instanceof DigestError) return refuse('digest', error.message);
      throw error;
    }
    const digests = new Set([
      actual.digest,
      ...(input.imageDigest !== undefined ? [] : fileDigests(artifactPath)),
    ]);
    const expected = statement.subject.flatMap((s) => subjectDigests(s.digest));
    if (expected.length === 0)
      return refuse(
        'digest',
        `attestation ${envelopePath} has no sha256, sha512 or dirHash subject digest to compare`,
      );
    const match = statement.subject.find((s) => subjectDigests(s.digest).some((d) => digests.has(d)));
    if (!match)
      return refuse(
        'digest',
        input.imageDigest !== undefined
          ? `image ${artifactPath} is not the image its attestation names: expected ${expected.join(' or ')}, the image's digest is ${actual.digest}`
          : `artifact ${artifactPath} does not match its attestation (changed after attesting?): expected ${expected.join(' or ')}, actual ${actual.digest}`,
      );

    // the level
    const level = deriveSlsaLevel(
      {
        builderId: provenance.builderId,
        buildType: provenance.buildType,
        signer: verified.signer,
        ...(provenance.slsaLevel !== undefined ? { declared: provenance.slsaLevel } : {}),
      },
      input.builders ?? [],
    );
    if (input.minSlsaLevel !== undefined && level.level < input.minSlsaLevel)
      return {
        ...refuse(
          'slsa-level',
          `attestation ${envelopePath} is SLSA build level ${level.level} (${level.why}), below the required ${input.minSlsaLevel}`,
        ),
        slsaLevel: level.level,
      } as ReleaseVerification;
    return {
      ok: true,
      digest: actual.digest,
      slsaLevel: level.level,
      level,
      builderId: provenance.builderId,
      signer: verified.signer,
      subject: match.name ?? actual.name,
    };
  } catch (error) {
    return refuse('envelope', `cannot verify ${envelopePath}: ${(error as Error).message}`);
  }
}

/** `sha256:` and `sha512:` of a file's bytes (none for a directory). */
function fileDigests(path: string): string[] {
  if (!statSync(path).isFile()) return [];
  const bytes = readFileSync(path);
  return ['sha256', 'sha512'].map((a) => `${a}:${createHash(a).update(bytes).digest('hex')}`);
}

function subjectDigests(set: Readonly<Record<string, unknown>>): string[] {
  const tree = digestOf(set);
  const sha512 = typeof set['sha512'] === 'string' ? [`sha512:${set['sha512'].toLowerCase()}`] : [];
  return [...(tree !== undefined ? [tree] : []), ...sha512];
}

/** Where an artifact's attestation is: `<artifact>.sigstore.json` when it exists, else `<artifact>.intoto.jsonl`. */
export function defaultAttestationPath(artifactPath: string): string {
  const bundle = `${artifactPath}.sigstore.json`;
  return existsSync(bundle) ? bundle : `${artifactPath}.intoto.jsonl`;
}
