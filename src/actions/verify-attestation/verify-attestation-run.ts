/* What `verify-attestation` does when its step runs; loaded on the step's first run (see verify-attestation.ts). */
import { resolve } from 'node:path';
import { SLSA_MINIMUM } from '../../gates/policy/default-policy.ts';
import { type EnvironmentName } from '../../gates/policy/gate-input.ts';
import { defaultAttestationPath, verifyReleaseAttestation } from '../../gates/supply-chain/verify-release.ts';
import { resolveVerifyPolicy, type VerifyPolicyConfig } from '../../gates/supply-chain/verify-policy.ts';
import type { ActionContext, ActionResult, EvidenceValue } from '../action.ts';

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const artifactPath = resolve(ctx.workingDirectory, String(ctx.inputs['path']));
  const envelopePath =
    ctx.inputs['attestation'] !== undefined
      ? resolve(ctx.workingDirectory, String(ctx.inputs['attestation']))
      : defaultAttestationPath(artifactPath);
  const policy = resolveVerifyPolicy(ctx.inputs as VerifyPolicyConfig, ctx.workingDirectory);
  const environment = ctx.inputs['environment'] as EnvironmentName | undefined;
  const minSlsaLevel = policy.minSlsaLevel ?? (environment ? SLSA_MINIMUM[environment] : undefined);
  const result = verifyReleaseAttestation({
    artifactPath,
    envelopePath,
    ...policy,
    ...(ctx.inputs['builder-id'] !== undefined ? { builderId: String(ctx.inputs['builder-id']) } : {}),
    ...(minSlsaLevel !== undefined ? { minSlsaLevel } : {}),
  });
  if (!result.ok) {
    ctx.log(`✖ ${result.check}: ${result.reason}`);
    const evidence: Record<string, EvidenceValue> =
      result.check === 'slsa-level' && result.slsaLevel !== undefined
        ? { 'attest.signed': true, 'attest.slsa_level': result.slsaLevel }
        : { 'attest.signed': false };
    return { ok: false, reason: `attestation check "${result.check}" failed: ${result.reason}`, evidence };
  }
  ctx.log(`✔ ${artifactPath}: ${result.digest}`);
  ctx.log(
    `  signed by ${result.signer}, builder ${result.builderId}, SLSA build level ${result.slsaLevel} (${result.level.why})${
      minSlsaLevel !== undefined ? `, at least ${minSlsaLevel} required` : ''
    }`,
  );
  return {
    ok: true,
    outputs: { digest: result.digest, 'slsa-level': String(result.slsaLevel), signer: result.signer },
    evidence: {
      'attest.signed': true,
      'attest.slsa_level': result.slsaLevel,
      'attest.slsa_source': result.level.source,
      'attest.digest': result.digest,
    },
  };
}
