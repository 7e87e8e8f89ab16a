import type { EvidenceValue } from '../../actions/action.ts';

/** Evidence keys that carry the SLSA build level into the release gate's input. */
export const SLSA_LEVEL_KEYS: readonly string[] = Object.freeze([
  'attest.slsa_level',
  'gates.security.slsa_level',
]);

/** The action whose evidence may say a level above 1: it derives the level from verified provenance. */
export const VERIFYING_ACTION = 'verify-attestation';

/** A level a step declared rather than derived, and what it now counts as. */
export interface CappedLevel {
  key: string;
  stepKey: string;
  declared: number;
}

/**
 * The run's evidence with every SLSA level above 1 that no `verify-attestation` step wrote counted as 1:
 * a level written by `uses: evidence`, a `run:` step or `attest` is self-declared. The last write of a
 * key is the one the evidence holds.
 *
 * @example verifiedSlsaEvidence({ 'gates.security.slsa_level': 3 }, [{ key: 'gates.security.slsa_level', value: 3, stepKey: 'build/evidence' }], () => 'evidence')
 */
export function verifiedSlsaEvidence(
  evidence: Readonly<Record<string, EvidenceValue>>,
  records: readonly { key: string; value: EvidenceValue; stepKey: string }[],
  usesOf: (stepKey: string) => string | undefined,
): { evidence: Record<string, EvidenceValue>; capped: CappedLevel[] } {
  const out = { ...evidence };
  const capped: CappedLevel[] = [];
  for (const key of SLSA_LEVEL_KEYS) {
    const value = out[key];
    if (typeof value !== 'number' || value <= 1) continue;
    const writer = records.filter((r) => r.key === key).at(-1);
    if (writer && usesOf(writer.stepKey) === VERIFYING_ACTION) continue;
    out[key] = 1;
    capped.push({ key, stepKey: writer?.stepKey ?? '(unknown)', declared: value });
  }
  return { evidence: out, capped };
}
