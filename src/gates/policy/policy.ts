import type { GateInput } from './gate-input.ts';

/** A reason a release is denied; `overridable` says whether an audited override may set it aside. */
export interface Violation {
  rule: string;
  message: string;
  overridable: boolean;
}

/** A reason for care that does not block the release. */
export interface Warning {
  rule: string;
  message: string;
}

/** An emergency override the gate applied: who granted it, why, until when, and what it waived. */
export interface AppliedOverride {
  id: number;
  grantedBy: string;
  reason: string;
  expiresAt: string;
  waived: string[];
}

/** Which policy, at which content digest, made a decision. */
export interface PolicyRef {
  name: string;
  version: string;
}

/** The outcome of a release policy: deny unless every rule could be evaluated and none matched. */
export interface Decision {
  outcome: 'allow' | 'deny';
  strategy?: string;
  violations: Violation[];
  warnings: Warning[];
  /** `sha256:` digest of the canonical JSON of the input, secrets redacted. */
  inputDigest: string;
  policy: PolicyRef;
  /** ISO 8601 time the decision was made for (the `now` it was given). */
  evaluatedAt: string;
  /** Always empty from a policy; the release gate adds the audited overrides it applied. */
  overrides: AppliedOverride[];
}

/**
 * A release policy: pure, with time as an input, failing closed. `evaluate` never rejects;
 * anything that goes wrong becomes a violation.
 */
export interface Policy {
  readonly name: string;
  /** A content digest of what the policy is (its rules, or where it is served from). */
  readonly version: string;
  evaluate(input: GateInput, now: Date): Promise<Decision>;
}
