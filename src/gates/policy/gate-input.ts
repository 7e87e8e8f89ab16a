/** Environments the default policy knows, with their thresholds from the seed's Security Requirements table. */
export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;

/** Service tiers; tier 1 is the most critical. */
export const TIERS = [1, 2, 3] as const;

/** Environment a release is gated for. */
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** Service tier. */
export type Tier = (typeof TIERS)[number];

/** Result of one check; anything but `pass` counts as not passing. */
export type CheckResult = 'pass' | 'fail' | 'skipped';

/** Build checks of the seed's gate input. */
export interface BuildGates {
  typescript?: CheckResult;
  compile?: CheckResult;
  lint?: CheckResult;
  format?: CheckResult;
}

/** Test results and line coverage (percent, 0–100). */
export interface QualityGates {
  unit_tests?: CheckResult;
  coverage?: number;
  integration_tests?: CheckResult;
  golden_path?: CheckResult;
}

/** Scan and supply-chain results of the release's image. */
export interface SecurityGates {
  critical_cves?: number;
  high_cves?: number;
  secrets_found?: number;
  image_signed?: boolean;
  slsa_level?: number;
}

/** Reliability state of the service; the budget is in percent (the seed multiplies the ratio by 100). */
export interface SloState {
  error_budget_remaining?: number;
  fast_burn_rate?: number;
  slow_burn_rate?: number;
  active_p1_incidents?: number;
  active_p2_incidents?: number;
  rollbacks_last_24h?: number;
  /** Set when Runway measured the SLO: `insufficient-data` when a number above is unknown (see `reason`). */
  status?: 'measured' | 'insufficient-data';
  /** What is unknown and why, e.g. "error budget unknown: no data in the last 30d". */
  reason?: string;
}

/** Whether the environment's deployment window is open now, and why not. */
export interface WindowState {
  open?: boolean;
  reason?: string;
}

/**
 * What a release gate decides on: the seed's `gate-input.json` plus `tier` and `window`.
 * Every field may be missing; a policy must deny, never allow, when a field it needs is missing.
 */
export interface GateInput {
  service?: string;
  version?: string;
  environment?: EnvironmentName;
  image?: string;
  tier?: Tier;
  window?: WindowState;
  gates?: { build?: BuildGates; quality?: QualityGates; security?: SecurityGates };
  slo?: SloState;
  emergency_override?: boolean;
}
