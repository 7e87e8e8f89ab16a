import type { BurnAlertName } from '../slo/burn-alerts.ts';
import type { WindowBurn } from '../slo/slo-state.ts';

/** The SLO numbers of the seed's gate input that Runway can measure. */
export const SLO_FIELDS = ['error_budget_remaining', 'fast_burn_rate', 'slow_burn_rate'] as const;

/** One of the measured SLO numbers of the gate input. */
export type SloField = (typeof SLO_FIELDS)[number];

/** The SLO numbers Runway measured, and why any of them is unknown (too little data). */
export interface ObservedSlo {
  values: Partial<Record<SloField, number>>;
  unknown: Partial<Record<SloField, string>>;
}

/** What `observedSlo` reads of an evaluated SLO (an `SloState`, or its JSON from the API). */
export interface EvaluatedSlo {
  errorBudgetRemaining?: number | undefined;
  errorBudgetReason?: string | undefined;
  alerts: Readonly<Record<BurnAlertName, { long: WindowBurn; short: WindowBurn }>>;
}

/** Which workbook alert each burn rate of the gate input follows (its thresholds are the policy's limits). */
const BURN_ALERT: Readonly<Record<Exclude<SloField, 'error_budget_remaining'>, BurnAlertName>> = {
  fast_burn_rate: 'pageFast',
  slow_burn_rate: 'pageSlow',
};

/**
 * The gate's SLO numbers from an evaluated SLO: the error budget left, and each burn rate as the
 * lower of its alert's long and short windows (fast: 1h and 5m, slow: 6h and 30m), so
 * `fast_burn_rate > 14.4` exactly when the workbook's fast-burn page fires, and it stops once the
 * short window recovers. A number without enough data is left out, with the reason.
 * @example observedSlo(await client.slo('checkout-api', 'production', { objective: 99.9, window: '30d' }))
 */
export function observedSlo(state: EvaluatedSlo): ObservedSlo {
  const values: ObservedSlo['values'] = {};
  const unknown: ObservedSlo['unknown'] = {};
  if (typeof state.errorBudgetRemaining === 'number')
    values.error_budget_remaining = state.errorBudgetRemaining;
  else unknown.error_budget_remaining = state.errorBudgetReason ?? 'no reason given';
  for (const [field, name] of Object.entries(BURN_ALERT) as [keyof typeof BURN_ALERT, BurnAlertName][]) {
    const { long, short } = state.alerts[name];
    if (long.status === 'measured' && short.status === 'measured') {
      values[field] = Math.min(long.burnRate, short.burnRate);
    } else {
      unknown[field] = [long, short]
        .flatMap((w) => (w.status === 'measured' ? [] : [w.reason]))
        .join(' and ');
    }
  }
  return { values, unknown };
}
