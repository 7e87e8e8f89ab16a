import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../package-root.ts';
import type { Bundle } from '@sigstore/bundle';
import type * as SigstoreBundle from '@sigstore/bundle';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import type * as SigstoreSpecs from '@sigstore/protobuf-specs';
import type { VerificationError, VerificationPolicy } from '@sigstore/verify';
import type * as SigstoreVerify from '@sigstore/verify';
import { createRequire } from 'node:module';

/** The Sigstore libraries, loaded on the first verification rather than at start-up. */
const require = createRequire(import.meta.url);
let libs:
  { bundle: typeof SigstoreBundle; specs: typeof SigstoreSpecs; verify: typeof SigstoreVerify } | undefined;
const sigstore = () =>
  (libs ??= {
    bundle: require('@sigstore/bundle') as typeof SigstoreBundle,
    specs: require('@sigstore/protobuf-specs') as typeof SigstoreSpecs,
    verify: require('@sigstore/verify') as typeof SigstoreVerify,
  });
import { keyIdOf } from './dsse.ts';

/** The Sigstore public-good trusted root Runway ships (Fulcio, Rekor, CT logs; from cli/cli's test data). */
export const PUBLIC_GOOD_TRUSTED_ROOT = join(
  PACKAGE_ROOT,
  'src',
  'gates',
  'supply-chain',
  'public-good-trusted-root.json',
);

/** Media types of Sigstore bundles (v0.1 to v0.3). */
export const isSigstoreBundle = (doc: unknown): boolean =>
  typeof doc === 'object' &&
  doc !== null &&
  typeof (doc as { mediaType?: unknown }).mediaType === 'string' &&
  (doc as { mediaType: string }).mediaType.startsWith('application/vnd.dev.sigstore.bundle');

/** Who must have signed: the `cosign verify` policy flags, or public keys for key-signed bundles. */
export interface SignerPolicy {
  /** Trusted root file (Sigstore TrustedRoot JSON); default the public-good root. */
  trustedRoot?: string;
  /** `--certificate-identity`: the certificate's subject alternative name, exactly. */
  identity?: string;
  /** `--certificate-identity-regexp`. */
  identityRegexp?: string;
  /** `--certificate-oidc-issuer`: the Fulcio issuer extension, exactly. */
  issuer?: string;
  /** Public keys trusted for bundles signed with a key (no certificate). */
  keys?: { path: string; key: KeyObject }[];
}

/** The checks, in the order they run. */
export const BUNDLE_CHECKS = ['bundle', 'trust-root', 'signature', 'identity', 'issuer'] as const;
export type BundleCheck = (typeof BUNDLE_CHECKS)[number];

/** Who signed a verified bundle. */
export interface BundleSigner {
  /** The certificate's subject alternative name (keyless), or `key:<keyid>`. */
  identity: string;
  issuer?: string;
}

/** A verified bundle with its signed payload, or the check that failed and why. */
export type BundleVerification =
  | { ok: true; payloadType: string; payload: Buffer; signer: BundleSigner }
  | { ok: false; check: BundleCheck; reason: string };

/**
 * Verifies a Sigstore bundle offline with `@sigstore/verify`: the certificate chains to a CA of the
 * trusted root and is judged at the transparency log entry's time, the log inclusion proof (or promise)
 * holds against the root's Rekor key, the signature holds, and the signer matches the identity and
 * issuer policy (or a trusted key signed it). Never throws.
 *
 * @example verifySigstoreBundle(JSON.parse(text), { identity: 'https://github.com/o/r/.github/workflows/release.yml@refs/heads/main', issuer: 'https://token.actions.githubusercontent.com' })
 */
export function verifySigstoreBundle(doc: unknown, policy: SignerPolicy): BundleVerification {
  const refuse = (check: BundleCheck, reason: string): BundleVerification => ({ ok: false, check, reason });

  // the bundle and the root
  let bundle: Bundle;
  try {
    bundle = sigstore().bundle.bundleFromJSON(doc);
  } catch (error) {
    return refuse('bundle', `not a valid Sigstore bundle: ${(error as Error).message}`);
  }
  if (bundle.content.$case !== 'dsseEnvelope')
    return refuse('bundle', 'the bundle holds a message signature, not an attestation (DSSE envelope)');
  const rootPath = policy.trustedRoot ?? PUBLIC_GOOD_TRUSTED_ROOT;
  let root: TrustedRoot;
  try {
    root = sigstore().specs.TrustedRoot.fromJSON(JSON.parse(readFileSync(rootPath, 'utf8')));
  } catch (error) {
    return refuse('trust-root', `cannot read the trusted root ${rootPath}: ${(error as Error).message}`);
  }

  // which trust the bundle asks for
  const material = bundle.verificationMaterial.content;
  const keyless = material.$case !== 'publicKey';
  const keys = new Map((policy.keys ?? []).map((k) => [keyIdOf(k.key), k]));
  if (keyless) {
    const leaf = leafCertificate(bundle);
    if (!leaf) return refuse('bundle', 'the bundle has no signing certificate');
    const known = root.certificateAuthorities.some((ca) =>
      ca.certChain?.certificates.some((c) => new X509Certificate(c.rawBytes).subject === leaf.issuer),
    );
    if (!known)
      return refuse(
        'trust-root',
        `unknown trust root: the signing certificate was issued by "${oneLine(leaf.issuer)}", which is not a certificate authority of ${rootPath === PUBLIC_GOOD_TRUSTED_ROOT ? 'the Sigstore public-good root' : rootPath}; give its trusted root with trusted-root:`,
      );
    if (policy.identity === undefined && policy.identityRegexp === undefined)
      return refuse(
        'identity',
        'a keyless bundle needs a certificate-identity (or certificate-identity-regexp) to verify against',
      );
    if (policy.issuer === undefined)
      return refuse('issuer', 'a keyless bundle needs a certificate-oidc-issuer to verify against');
  } else if (!keys.has(material.publicKey.hint))
    return refuse(
      'signature',
      `the bundle is not signed by ${[...keys.values()].map((k) => k.path).join(', ') || 'a key given with key:'}: signed by an unknown key ${material.publicKey.hint}`,
    );

  // the signature, the log entry and the signer
  const {
    Verifier,
    toTrustMaterial,
    toSignedEntity,
    PolicyError,
    VerificationError: VerifyError,
  } = sigstore().verify;
  const verifier = new Verifier(
    toTrustMaterial(root, (hint) => {
      const found = keys.get(hint);
      if (!found) throw new Error(`unknown key ${hint}`);
      return { publicKey: found.key, validFor: () => true };
    }),
    keyless
      ? { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }
      : { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
  );
  const request: VerificationPolicy = {};
  if (policy.identity !== undefined) request.subjectAlternativeName = policy.identity;
  else if (policy.identityRegexp !== undefined)
    try {
      request.subjectAlternativeName = new RegExp(policy.identityRegexp);
    } catch (error) {
      return refuse(
        'identity',
        `certificate-identity-regexp is not a regular expression: ${(error as Error).message}`,
      );
    }
  if (policy.issuer !== undefined) request.extensions = { issuer: policy.issuer };
  let signer;
  try {
    signer = verifier.verify(toSignedEntity(bundle), keyless ? request : undefined);
  } catch (error) {
    if (error instanceof PolicyError) {
      const issuerMismatch = /issuer/i.test(error.message);
      return refuse(
        issuerMismatch ? 'issuer' : 'identity',
        `the signer does not match the policy: ${error.message}`,
      );
    }
    if (error instanceof VerifyError) return refuse('signature', explain(error));
    return refuse('signature', `cannot verify the bundle: ${(error as Error).message}`);
  }
  const envelope = bundle.content.dsseEnvelope;
  return {
    ok: true,
    payloadType: envelope.payloadType,
    payload: Buffer.from(envelope.payload),
    signer: keyless
      ? {
          identity: signer.identity?.subjectAlternativeName ?? '',
          ...(signer.identity?.extensions?.issuer ? { issuer: signer.identity.extensions.issuer } : {}),
        }
      : { identity: `key:${(material as { publicKey: { hint: string } }).publicKey.hint}` },
  };
}

function leafCertificate(bundle: Bundle): X509Certificate | undefined {
  const m = bundle.verificationMaterial.content;
  const raw =
    m.$case === 'certificate'
      ? m.certificate.rawBytes
      : m.$case === 'x509CertificateChain'
        ? m.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  try {
    return raw ? new X509Certificate(raw) : undefined;
  } catch {
    return undefined;
  }
}

function explain(error: VerificationError): string {
  switch (error.code) {
    case 'TLOG_BODY_ERROR':
    case 'SIGNATURE_ERROR':
      return `the signature does not match the signed content (tampered payload or signature): ${error.message}`;
    case 'TLOG_INCLUSION_PROOF_ERROR':
    case 'TLOG_INCLUSION_PROMISE_ERROR':
    case 'TLOG_MISSING_INCLUSION_ERROR':
    case 'TLOG_ERROR':
      return `the transparency log entry does not hold: ${error.message}`;
    case 'CERTIFICATE_ERROR':
    case 'TIMESTAMP_ERROR':
      return `the signing certificate is not valid at the log entry's time: ${error.message}`;
    default:
      return error.message;
  }
}

const oneLine = (dn: string): string => dn.split('\n').join(', ');
