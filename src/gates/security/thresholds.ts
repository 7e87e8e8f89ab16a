import type { Finding } from './sarif.ts';

/** Environments the security gate knows, strictest first. */
export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** What a gate counts and can limit. */
export const LIMITED = ['critical', 'high', 'medium', 'secrets'] as const;
export type Limited = (typeof LIMITED)[number];

/** Maximum allowed count per kind; a missing key is unlimited. */
export type Limits = Partial<Record<Limited, number>>;

/** Counted findings: severities of vulnerabilities, and secrets apart from them. */
export interface Counts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  secrets: number;
}

/** The seed's "Security Requirements": critical 0 everywhere, high 0/≤5/≤10, secrets 0 everywhere. */
export const DEFAULT_LIMITS: Readonly<Record<Environment, Readonly<Limits>>> = Object.freeze({
  production: Object.freeze({ critical: 0, high: 0, secrets: 0 }),
  staging: Object.freeze({ critical: 0, high: 5, secrets: 0 }),
  development: Object.freeze({ critical: 0, high: 10, secrets: 0 }),
});

/** The limits for `environment`, with `overrides` taking precedence key by key. */
export function limitsFor(environment: Environment, overrides: Limits = {}): Readonly<Limits> {
  const base = DEFAULT_LIMITS[environment];
  if (!base)
    throw new Error(`unknown environment "${environment}", expected one of: ${ENVIRONMENTS.join(', ')}`);
  return Object.freeze({ ...base, ...overrides });
}

/** Which findings count: unsuppressed, still present, and in `newOnly` mode only new ones. */
export function counts(findings: readonly Finding[], newOnly = false): Counts {
  const total: Counts = { critical: 0, high: 0, medium: 0, low: 0, secrets: 0 };
  for (const f of findings.filter((f) => counted(f, newOnly))) {
    if (f.category === 'secret') total.secrets++;
    else if (f.severity !== 'none') total[f.severity]++;
  }
  return total;
}

/** Whether a finding counts against the limits (see `counts`). */
export function counted(finding: Finding, newOnly = false): boolean {
  if (finding.suppressed || finding.baselineState === 'absent') return false;
  if (finding.category === 'vulnerability' && finding.severity === 'none') return false;
  return !newOnly || finding.baselineState === undefined || finding.baselineState === 'new';
}

/** Every limit `counts` exceeds (Argo style: failing means above the limit), as readable messages. */
export function exceeded(total: Counts, limits: Readonly<Limits>): string[] {
  return LIMITED.flatMap((kind) => {
    const limit = limits[kind];
    return limit !== undefined && total[kind] > limit
      ? [`${kind} ${total[kind]} exceeds the limit of ${limit}`]
      : [];
  });
}
