import type { BurnAlertName } from './burn-alerts.ts';

/** What the data says about one window, before it is judged. */
interface WindowCounts {
  /** The window, e.g. `1h`, ending at the evaluation time. */
  window: string;
  total: number;
  errors: number;
  /** Fraction of the window the data covers, 0–1. */
  coverage: number;
}

/** A window with enough data: its error ratio and burn rate. */
export interface MeasuredWindow extends WindowCounts {
  status: 'measured';
  errorRatio: number;
  burnRate: number;
}

/** A window with too little data to judge, and why. */
export interface UnmeasuredWindow extends WindowCounts {
  status: 'insufficient-data';
  reason: string;
}

/** The burn rate over one window, or why there is none. */
export type WindowBurn = MeasuredWindow | UnmeasuredWindow;

/** Verdict of a paired-window alert. */
export type BurnStatus = 'ok' | 'burning' | 'insufficient-data';

/** A paired-window alert judged: both windows, the threshold, the verdict and why. */
export interface BurnAlertState {
  name: BurnAlertName;
  severity: 'page' | 'ticket';
  threshold: number;
  long: WindowBurn;
  short: WindowBurn;
  status: BurnStatus;
  reason: string;
}

/** An SLO evaluated at one time: budget left, burn per window and the three alerts. */
export interface SloState {
  objective: number;
  window: string;
  evaluatedAt: Date;
  /** Percent of the error budget left over the SLO window; negative when overspent, `undefined` without enough data. */
  errorBudgetRemaining: number | undefined;
  /** Why `errorBudgetRemaining` is `undefined`. */
  errorBudgetReason?: string;
  /** Every window measured, by name (`30d`, `1h`, `5m`…). */
  windows: Readonly<Record<string, WindowBurn>>;
  alerts: Readonly<Record<BurnAlertName, BurnAlertState>>;
}
