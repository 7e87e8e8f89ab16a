import { inputDigest } from './input-digest.ts';
import type { Decision, PolicyRef, Violation, Warning } from './policy.ts';

/** What a policy found, before it becomes a Decision. */
export interface Findings {
  violations: Violation[];
  warnings: Warning[];
  strategy?: string;
}

/** Builds a Decision: allow only with no violations and a valid `now`; never throws. */
export function toDecision(policy: PolicyRef, input: unknown, now: Date, findings: Findings): Decision {
  const violations = [...findings.violations];
  const valid = now instanceof Date && !Number.isNaN(now.getTime());
  if (!valid) violations.push({ rule: 'now', message: 'now is not a valid time', overridable: false });
  let digest: string;
  try {
    digest = inputDigest(input);
  } catch (err) {
    digest = 'sha256:unavailable';
    violations.push({
      rule: 'input',
      message: `input could not be digested: ${errorText(err)}`,
      overridable: false,
    });
  }
  return {
    outcome: violations.length === 0 ? 'allow' : 'deny',
    ...(findings.strategy === undefined ? {} : { strategy: findings.strategy }),
    violations,
    warnings: [...findings.warnings],
    inputDigest: digest,
    policy: { name: policy.name, version: policy.version },
    evaluatedAt: valid ? now.toISOString() : String(now),
    overrides: [],
  };
}

/** The first line of an error's message. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
