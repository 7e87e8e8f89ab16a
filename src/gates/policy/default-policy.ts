/*
 * The CompanyOS seed's release gate (`data.companyos.release.decision`) as a CEL policy.
 *
 * From the seed: coverage minimums per tier (80/70/60), CVE, secret, signing and SLSA limits per
 * environment (Security Requirements table), the tier 1 and tier 2 canary progressions, the SLO
 * inputs of gate-input.json. Choices the seed leaves open:
 * - Error budget (percent remaining): deny below 10, warn below 25, `slow` strategy below 50. An
 *   exhausted budget freezes releases in the SRE error-budget policy; 10% keeps a margin for the
 *   release's own risk (a bad canary burns budget before it is rolled back), 25% gives the team
 *   a warning while there is still room, and below half the rollout should move in smaller steps.
 * - Burn rates deny above 14.4 (fast: 2% of a 30-day budget in 1h) and above 6 (slow: 5% in 6h),
 *   the SRE Workbook's multiwindow alerting thresholds; a rate equal to the limit passes.
 * - `slo.status: insufficient-data` (the SLO source had too little data; `slo.reason` says why) turns
 *   a missing budget or burn rate from a deny into the warning `slo-unknown` and picks `slow`. Denying
 *   would block every new or quiet service for a whole SLO window; allowing silently would report an
 *   unknown budget as a healthy one. A value that is present is judged as usual, and without that
 *   status a missing value still denies.
 * - P1 incidents deny, P2 warn; 2+ rollbacks in 24h deny, 1 warns.
 * - Numeric rules deny unless the value is proven inside its range (`!(0 <= x && x <= limit)`),
 *   so negative counts, strings and nulls deny instead of slipping past a `>` test.
 * - Only critical CVEs, secrets and an invalid tier or environment are never overridable, as the
 *   seed requires; everything else may be set aside by an audited override.
 * - `emergency_override` in the input does not bypass anything: an input flag is not an audited
 *   override with a reason. It only raises a warning pointing to the override path.
 * - Strategy: budget below 50% or unknown → `slow` first (it tightens any tier), then tier 1 →
 *   `tier1-progressive` (1→10→25→50→100), tier 2 → `tier2-standard` (10→50→100); tier 3 gets
 *   `tier2-standard` too, the gentlest canary the seed defines (it never deploys without one).
 */
import { CelPolicy } from './cel-policy.ts';
import type { DenyRuleDefinition, PolicyDocument, WarnRuleDefinition } from './cel-policy.ts';
import { ENVIRONMENTS, TIERS } from './gate-input.ts';

/** Minimum line coverage in percent per tier (seed: Coverage Requirements). */
export const COVERAGE_MINIMUM = { 1: 80, 2: 70, 3: 60 } as const;

/** Most high CVEs allowed per environment (seed: Security Requirements). */
export const HIGH_CVE_LIMIT = { production: 0, staging: 5, development: 10 } as const;

/** Lowest SLSA build level per environment (seed: Security Requirements). */
export const SLSA_MINIMUM = { production: 3, staging: 2, development: 1 } as const;

/** Environments that require a signed image (seed: Security Requirements). */
export const SIGNATURE_REQUIRED = { production: true, staging: true, development: false } as const;

/** Error budget remaining (percent): below `deny` denies, below `warn` warns, below `slow` (or unknown) picks `slow`. */
export const ERROR_BUDGET = { deny: 10, warn: 25, slow: 50 } as const;

/** Highest burn rates allowed (multiples of the sustainable rate). */
export const BURN_RATE_LIMIT = { fast: 14.4, slow: 6 } as const;

/** Rollbacks in the last 24h: this many deny; one fewer warns. */
export const ROLLBACK_DENY = 2;

const q = 'input.gates.quality';
const s = 'input.gates.security';
const budget = 'input.slo.error_budget_remaining';
const v = (expr: string) => `\${{ ${expr} }}`;

/** The SLO source reported too little data (see `slo.reason`). */
const sloInsufficient = 'has(input.slo.status) && input.slo.status == "insufficient-data"';

/** `input.slo.<field>` is missing because the SLO source had too little data: unknown, not failing. */
const sloUnknown = (field: string) => `(${sloInsufficient} && !has(input.slo.${field}))`;

/** `!(lo <= expr && expr <= hi)`: true unless the value is proven to be inside the range. */
const outside = (expr: string, lo: number | string, hi: number | string) =>
  `!(${expr} >= ${lo} && ${expr} <= ${hi})`;

const celMap = (record: Record<string, number | boolean>) =>
  `{${Object.entries(record)
    .map(([k, val]) => `${/^\d+$/.test(k) ? k : JSON.stringify(k)}: ${val}`)
    .join(', ')}}`;

const coverageMin = `${celMap(COVERAGE_MINIMUM)}[input.tier]`;
const highLimit = `${celMap(HIGH_CVE_LIMIT)}[input.environment]`;
const slsaMin = `${celMap(SLSA_MINIMUM)}[input.environment]`;

const passed = (name: string, path: string, what: string): DenyRuleDefinition => ({
  name,
  when: `${path} != "pass"`,
  message: `${what} result is ${v(path)}, expected pass`,
});

const denyRules: DenyRuleDefinition[] = [
  {
    name: 'tier',
    when: `!(input.tier in [${TIERS.join(', ')}])`,
    message: `tier ${v('input.tier')} is not one of ${TIERS.join(', ')}`,
    overridable: false,
  },
  {
    name: 'environment',
    when: `!(input.environment in [${ENVIRONMENTS.map((e) => JSON.stringify(e)).join(', ')}])`,
    message: `environment ${v('input.environment')} is not one of ${ENVIRONMENTS.join(', ')}`,
    overridable: false,
  },
  ...(['typescript', 'compile', 'lint', 'format'] as const).map((check) =>
    passed(`build-${check}`, `input.gates.build.${check}`, `build check ${check}`),
  ),
  passed('unit-tests', `${q}.unit_tests`, 'unit tests'),
  {
    name: 'coverage',
    when: `!(${q}.coverage >= ${coverageMin})`,
    message: `coverage ${v(`${q}.coverage`)}% is below the tier ${v('input.tier')} minimum of ${v(coverageMin)}%`,
  },
  passed('integration-tests', `${q}.integration_tests`, 'integration tests'),
  passed('golden-path', `${q}.golden_path`, 'golden path'),
  {
    name: 'critical-cves',
    when: outside(`${s}.critical_cves`, 0, 0),
    message: `${v(`${s}.critical_cves`)} critical CVEs found; the limit is 0 in every environment`,
    overridable: false,
  },
  {
    name: 'high-cves',
    when: outside(`${s}.high_cves`, 0, highLimit),
    message: `${v(`${s}.high_cves`)} high CVEs found; the ${v('input.environment')} limit is ${v(highLimit)}`,
  },
  {
    name: 'secrets',
    when: outside(`${s}.secrets_found`, 0, 0),
    message: `${v(`${s}.secrets_found`)} secrets found; the limit is 0 in every environment`,
    overridable: false,
  },
  {
    name: 'image-signed',
    when: `${celMap(SIGNATURE_REQUIRED)}[input.environment] && ${s}.image_signed != true`,
    message: `the image is not signed; a signature is required in ${v('input.environment')}`,
  },
  {
    name: 'slsa-level',
    when: `!(${s}.slsa_level >= ${slsaMin})`,
    message: `SLSA level ${v(`${s}.slsa_level`)} is below the ${v('input.environment')} minimum of ${v(slsaMin)}`,
  },
  {
    name: 'error-budget',
    when: `!${sloUnknown('error_budget_remaining')} && !(${budget} >= ${ERROR_BUDGET.deny})`,
    message: `error budget remaining ${v(budget)}% is below the minimum of ${ERROR_BUDGET.deny}%`,
  },
  {
    name: 'fast-burn',
    when: `!${sloUnknown('fast_burn_rate')} && ${outside('input.slo.fast_burn_rate', 0, BURN_RATE_LIMIT.fast)}`,
    message: `fast burn rate ${v('input.slo.fast_burn_rate')} is above the limit of ${BURN_RATE_LIMIT.fast}`,
  },
  {
    name: 'slow-burn',
    when: `!${sloUnknown('slow_burn_rate')} && ${outside('input.slo.slow_burn_rate', 0, BURN_RATE_LIMIT.slow)}`,
    message: `slow burn rate ${v('input.slo.slow_burn_rate')} is above the limit of ${BURN_RATE_LIMIT.slow}`,
  },
  {
    name: 'p1-incidents',
    when: outside('input.slo.active_p1_incidents', 0, 0),
    message: `${v('input.slo.active_p1_incidents')} active P1 incidents; the limit is 0`,
  },
  {
    name: 'rollbacks',
    when: outside('input.slo.rollbacks_last_24h', 0, ROLLBACK_DENY - 1),
    message: `${v('input.slo.rollbacks_last_24h')} rollbacks in the last 24h; the limit is ${ROLLBACK_DENY - 1}`,
  },
  {
    name: 'window',
    when: 'input.window.open != true',
    message: `outside deployment window: ${v('has(input.window.reason) ? input.window.reason : "no reason given"')}`,
  },
];

const warnRules: WarnRuleDefinition[] = [
  {
    name: 'error-budget-low',
    when: `!${sloUnknown('error_budget_remaining')} && ${budget} >= ${ERROR_BUDGET.deny} && ${budget} < ${ERROR_BUDGET.warn}`,
    message: `error budget remaining ${v(budget)}% is below ${ERROR_BUDGET.warn}%`,
  },
  {
    name: 'slo-unknown',
    when: sloInsufficient,
    message: v('has(input.slo.reason) ? input.slo.reason : "SLO data insufficient, no reason given"'),
  },
  {
    name: 'p2-incidents',
    when: 'input.slo.active_p2_incidents > 0',
    message: `${v('input.slo.active_p2_incidents')} active P2 incidents`,
  },
  {
    name: 'recent-rollback',
    when: `input.slo.rollbacks_last_24h >= 1 && input.slo.rollbacks_last_24h < ${ROLLBACK_DENY}`,
    message: `${v('input.slo.rollbacks_last_24h')} rollback in the last 24h; ${ROLLBACK_DENY} deny`,
  },
  {
    name: 'emergency-override',
    when: 'has(input.emergency_override) && input.emergency_override == true',
    message: 'emergency_override is set but bypasses nothing; use an audited override with a reason',
  },
];

/** The seed's release gate as a policy document. */
export const DEFAULT_POLICY_DOCUMENT: PolicyDocument = deepFreeze({
  name: 'runway-default-release',
  deny: denyRules,
  warn: warnRules,
  strategy: [
    { when: `${sloInsufficient} || ${budget} < ${ERROR_BUDGET.slow}`, use: 'slow' },
    { when: 'input.tier == 1', use: 'tier1-progressive' },
    { when: 'input.tier == 2', use: 'tier2-standard' },
  ],
  defaultStrategy: 'tier2-standard',
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') Object.values(value).forEach(deepFreeze);
  return Object.freeze(value);
}

/** The seed's release gate, compiled. */
export function defaultPolicy(): CelPolicy {
  return new CelPolicy(DEFAULT_POLICY_DOCUMENT);
}
