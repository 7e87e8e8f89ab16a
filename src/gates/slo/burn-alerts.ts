/**
 * The multiwindow, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs"): each fires
 * when the burn rate is above its threshold over both the long and the short window.
 */
export const BURN_ALERTS = Object.freeze([
  { name: 'pageFast', severity: 'page', threshold: 14.4, long: '1h', short: '5m' },
  { name: 'pageSlow', severity: 'page', threshold: 6, long: '6h', short: '30m' },
  { name: 'ticket', severity: 'ticket', threshold: 1, long: '3d', short: '6h' },
] as const);

/** One multiwindow burn-rate alert. */
export type BurnAlert = (typeof BURN_ALERTS)[number];

/** Name of a burn-rate alert: `pageFast`, `pageSlow` or `ticket`. */
export type BurnAlertName = BurnAlert['name'];
