import { parseDuration } from '../../engine/duration.ts';
import { BURN_ALERTS } from './burn-alerts.ts';
import type { BurnAlert, BurnAlertName } from './burn-alerts.ts';
import { burnRate, errorBudgetRemaining } from './burn-math.ts';
import type { CounterIncrease, CounterSource } from './counter-source.ts';
import type { Slo } from './slo.ts';
import type { BurnAlertState, SloState, WindowBurn } from './slo-state.ts';

/**
 * Measures the burn rate over the `window` (e.g. `1h`) ending at `now`; a window with too little
 * coverage or too few requests is `insufficient-data`, never a healthy zero.
 */
export async function measureBurnRate(
  slo: Slo,
  source: CounterSource,
  window: string,
  now: Date,
): Promise<WindowBurn> {
  const windowMs = parseDuration(window);
  const increase = await source.increase(new Date(now.getTime() - windowMs), now);
  if (!increase) {
    return {
      window,
      total: 0,
      errors: 0,
      coverage: 0,
      status: 'insufficient-data',
      reason: `no data in the last ${window}`,
    };
  }
  checkIncrease(increase, window, windowMs);
  const { total, errors } = increase;
  const counts = { window, total, errors, coverage: increase.coveredMs / windowMs };
  if (counts.coverage < slo.minCoverage) {
    const reason = `data covers ${percent(counts.coverage)} of the last ${window}, below the ${percent(slo.minCoverage)} required`;
    return { ...counts, status: 'insufficient-data', reason };
  }
  if (total < slo.minRequests) {
    const reason = `${round(total)} requests in the last ${window}, fewer than the ${slo.minRequests} required`;
    return { ...counts, status: 'insufficient-data', reason };
  }
  const errorRatio = errors / total;
  return { ...counts, status: 'measured', errorRatio, burnRate: burnRate(errorRatio, slo.objective) };
}

/**
 * Evaluates an SLO at `now`: error budget left over its window and the workbook's three paired-window
 * burn-rate alerts. Rejects when the source fails, so the caller can fail closed.
 */
export async function evaluateSlo(slo: Slo, source: CounterSource, now: Date): Promise<SloState> {
  if (Number.isNaN(now.getTime())) throw new Error('invalid evaluation time, expected a valid Date');
  const names = [...new Set([slo.window, ...BURN_ALERTS.flatMap((alert) => [alert.long, alert.short])])];
  const measured = await Promise.all(names.map((name) => measureBurnRate(slo, source, name, now)));
  const windows: Record<string, WindowBurn> = Object.fromEntries(measured.map((m) => [m.window, m]));
  const at = (name: string) => windows[name] as WindowBurn;

  const alerts = Object.fromEntries(
    BURN_ALERTS.map((alert) => [alert.name, judgeAlert(alert, at(alert.long), at(alert.short))]),
  ) as Record<BurnAlertName, BurnAlertState>;

  const budget = at(slo.window);
  return Object.freeze({
    objective: slo.objective,
    window: slo.window,
    evaluatedAt: new Date(now.getTime()),
    ...(budget.status === 'measured'
      ? { errorBudgetRemaining: errorBudgetRemaining(budget.errorRatio, slo.objective) }
      : { errorBudgetRemaining: undefined, errorBudgetReason: budget.reason }),
    windows: Object.freeze(windows),
    alerts: Object.freeze(alerts),
  });
}

function judgeAlert(alert: BurnAlert, long: WindowBurn, short: WindowBurn): BurnAlertState {
  const base = { name: alert.name, severity: alert.severity, threshold: alert.threshold, long, short };
  if (long.status === 'insufficient-data' || short.status === 'insufficient-data') {
    const reasons = [long, short].flatMap((w) => (w.status === 'insufficient-data' ? [w.reason] : []));
    return { ...base, status: 'insufficient-data', reason: reasons.join('; ') };
  }
  const burning = long.burnRate > alert.threshold && short.burnRate > alert.threshold;
  const rates = `burn ${round(long.burnRate)}× over ${long.window} and ${round(short.burnRate)}× over ${short.window}`;
  return burning
    ? { ...base, status: 'burning', reason: `${rates}, both above ${alert.threshold}×` }
    : { ...base, status: 'ok', reason: `${rates}, not both above ${alert.threshold}×` };
}

function checkIncrease(increase: CounterIncrease, window: string, windowMs: number): void {
  const { total, errors, coveredMs } = increase;
  const valid =
    [total, errors, coveredMs].every((n) => Number.isFinite(n) && n >= 0) &&
    errors <= total &&
    coveredMs <= windowMs;
  if (!valid) {
    throw new Error(
      `counter source returned total ${total}, errors ${errors}, coveredMs ${coveredMs} for ${window}, ` +
        `expected 0 <= errors <= total and 0 <= coveredMs <= ${windowMs}`,
    );
  }
}

function percent(fraction: number): string {
  return `${round(fraction * 100)}%`;
}

function round(n: number): string {
  return String(Number(n.toPrecision(4)));
}
