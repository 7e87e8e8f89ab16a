import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { verifiedSlsaEvidence } from './slsa-evidence.ts';

const uses: Record<string, string> = { 'build/verify': 'verify-attestation', 'build/evidence': 'evidence' };
const usesOf = (key: string) => uses[key];

test('a level above 1 counts only when verify-attestation wrote it last', () => {
  const records = [
    { key: 'attest.slsa_level', value: 3, stepKey: 'build/verify' },
    { key: 'gates.security.slsa_level', value: 3, stepKey: 'build/evidence' },
  ];
  const evidence = { 'attest.slsa_level': 3, 'gates.security.slsa_level': 3, 'coverage.lines': 90 };
  assert.deepEqual(verifiedSlsaEvidence(evidence, records, usesOf), {
    evidence: { 'attest.slsa_level': 3, 'gates.security.slsa_level': 1, 'coverage.lines': 90 },
    capped: [{ key: 'gates.security.slsa_level', stepKey: 'build/evidence', declared: 3 }],
  });
  const overwritten = [...records, { key: 'attest.slsa_level', value: 3, stepKey: 'build/evidence' }];
  assert.equal(verifiedSlsaEvidence(evidence, overwritten, usesOf).evidence['attest.slsa_level'], 1);
  assert.equal(verifiedSlsaEvidence({ 'attest.slsa_level': 2 }, [], usesOf).evidence['attest.slsa_level'], 1);
});

test('never raises a level, and leaves levels of 1 or less and other evidence alone', () => {
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.constantFrom('attest.slsa_level', 'gates.security.slsa_level', 'x'),
        fc.integer({ min: -1, max: 4 }),
      ),
      fc.constantFrom('build/verify', 'build/evidence', 'unknown'),
      (evidence, writer) => {
        const records = Object.entries(evidence).map(([key, value]) => ({ key, value, stepKey: writer }));
        const out = verifiedSlsaEvidence(evidence, records, usesOf).evidence;
        for (const [key, value] of Object.entries(evidence)) {
          const result = out[key] as number;
          assert.ok(result <= value);
          if (key === 'x' || value <= 1 || writer === 'build/verify') assert.equal(result, value);
          else assert.equal(result, 1);
        }
      },
    ),
  );
});
