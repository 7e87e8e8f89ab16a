/*
 * DORA's software delivery metrics from Runway's own records: deployment frequency, lead time
 * for changes, change failure rate, failed deployment recovery time, rework rate, and MTTR from
 * incidents; each throughput and stability figure with the performance cluster of the 2024
 * Accelerate State of DevOps report it falls in. Pure: stats in, report out.
 */
import type { DeploymentStats } from '../records/deployment-record.ts';
import type { IncidentRecord } from '../store/store.ts';

/** The report the bands come from. */
export const BANDS_REPORT = 'Accelerate State of DevOps Report 2024 (DORA)';
export const BANDS_YEAR = 2024;

/** The performance clusters of the report. */
export type Band = 'elite' | 'high' | 'medium' | 'low';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One metric: its value, how it was reached, and its band when the report gives one. */
export interface Metric {
  value: number | null;
  unit: string;
  /** Human text, e.g. "3.2 per day" or "4h 12m". */
  text: string;
  band?: Band;
  /** The report's wording of the band's range. */
  bandRange?: string;
  basis: string;
}

/** Everything `runway dora` shows. */
export interface DoraReport {
  service: string | null;
  environment: string;
  from: string;
  to: string;
  bands: { report: string; year: number };
  deployments: { total: number; succeeded: number; rolledBack: number; failed: number; rework: number };
  deploymentFrequency: Metric;
  leadTimeForChanges: Metric;
  changeFailureRate: Metric;
  failedDeploymentRecoveryTime: Metric;
  reworkRate: Metric;
  meanTimeToRestore: Metric;
}

/** Builds the report for a window from the store's stats and the incidents opened in it. */
export function doraReport(input: {
  stats: DeploymentStats;
  incidents: readonly IncidentRecord[];
  service?: string;
  environment: string;
  from: Date;
  to: Date;
}): DoraReport {
  const { stats } = input;
  const days = Math.max((input.to.getTime() - input.from.getTime()) / DAY, 1 / 24);
  const perDay = stats.succeeded / days;
  const lead = stats.leadTimeMedianMs ?? null;
  const recovery = stats.recoveryMedianMs ?? null;
  const cfr = stats.deployments === 0 ? null : stats.failed / stats.deployments;
  const rework = stats.deployments === 0 ? null : stats.rework / stats.deployments;
  const restored = input.incidents.filter(
    (i) =>
      i.resolvedAt !== undefined &&
      Date.parse(i.openedAt) >= input.from.getTime() &&
      Date.parse(i.openedAt) < input.to.getTime(),
  );
  const mttr =
    restored.length === 0
      ? null
      : restored.reduce((sum, i) => sum + Date.parse(i.resolvedAt!) - Date.parse(i.openedAt), 0) /
        restored.length;

  return {
    service: input.service ?? null,
    environment: input.environment,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    bands: { report: BANDS_REPORT, year: BANDS_YEAR },
    deployments: {
      total: stats.deployments,
      succeeded: stats.succeeded,
      rolledBack: stats.rolledBack,
      failed: stats.failed,
      rework: stats.rework,
    },
    deploymentFrequency: {
      value: round(perDay, 4),
      unit: 'per day',
      text: frequencyText(perDay),
      ...frequencyBand(perDay, stats.succeeded),
      basis: `${stats.succeeded} successful deployments to ${input.environment} over ${round(days, 2)} days`,
    },
    leadTimeForChanges: {
      value: lead,
      unit: 'ms',
      text: lead === null ? 'no data' : duration(lead),
      ...(lead === null ? {} : leadBand(lead)),
      basis: 'median time from commit to 100 % of traffic, over successful deployments',
    },
    changeFailureRate: {
      value: cfr === null ? null : round(cfr, 4),
      unit: 'ratio',
      text: cfr === null ? 'no data' : `${round(cfr * 100, 1)} %`,
      ...(cfr === null ? {} : failureBand(cfr)),
      basis: `${stats.failed} of ${stats.deployments} deployments rolled back, or were followed within a day by an incident or a fix deploy`,
    },
    failedDeploymentRecoveryTime: {
      value: recovery,
      unit: 'ms',
      text: recovery === null ? 'no data' : duration(recovery),
      ...(recovery === null ? {} : recoveryBand(recovery)),
      basis: `median time from the start of a failed deployment to traffic back on the stable release, over ${stats.rolledBack} rollbacks`,
    },
    reworkRate: {
      value: rework === null ? null : round(rework, 4),
      unit: 'ratio',
      text: rework === null ? 'no data' : `${round(rework * 100, 1)} %`,
      basis: `${stats.rework} of ${stats.deployments} deployments shipped a fix or revert commit (the 2024 report gives no bands yet)`,
    },
    meanTimeToRestore: {
      value: mttr === null ? null : Math.round(mttr),
      unit: 'ms',
      text: mttr === null ? 'no data' : duration(mttr),
      ...(mttr === null ? {} : recoveryBand(mttr)),
      basis: `mean time from open to resolved over ${restored.length} resolved incidents`,
    },
  };
}

function frequencyBand(perDay: number, n: number): { band: Band; bandRange: string } {
  if (perDay > 1 && n > 1) return { band: 'elite', bandRange: 'on demand (multiple deploys per day)' };
  if (perDay >= 1 / 7) return { band: 'high', bandRange: 'between once per day and once per week' };
  if (perDay >= 1 / 30) return { band: 'medium', bandRange: 'between once per week and once per month' };
  return { band: 'low', bandRange: 'between once per month and once every six months' };
}

function leadBand(ms: number): { band: Band; bandRange: string } {
  if (ms < DAY) return { band: 'elite', bandRange: 'less than one day' };
  if (ms < 7 * DAY) return { band: 'high', bandRange: 'between one day and one week' };
  if (ms < 30 * DAY) return { band: 'medium', bandRange: 'between one week and one month' };
  return { band: 'low', bandRange: 'between one month and six months' };
}

/** The 2024 clusters' failure rates are 5 % (elite), 20 % (high), 10 % (medium), 40 % (low): the nearest one. */
function failureBand(rate: number): { band: Band; bandRange: string } {
  const clusters: [Band, number][] = [
    ['elite', 0.05],
    ['medium', 0.1],
    ['high', 0.2],
    ['low', 0.4],
  ];
  const [band, typical] = clusters.reduce((best, c) =>
    Math.abs(c[1] - rate) < Math.abs(best[1] - rate) ? c : best,
  );
  return { band, bandRange: `the ${band} cluster's ${typical * 100} %` };
}

function recoveryBand(ms: number): { band: Band; bandRange: string } {
  if (ms < HOUR) return { band: 'elite', bandRange: 'less than one hour' };
  if (ms < DAY) return { band: 'high', bandRange: 'less than one day (high and medium)' };
  return { band: 'low', bandRange: 'between one week and one month' };
}

function frequencyText(perDay: number): string {
  if (perDay >= 1) return `${round(perDay, 1)} per day`;
  if (perDay >= 1 / 7) return `${round(perDay * 7, 1)} per week`;
  return `${round(perDay * 30, 1)} per month`;
}

function duration(ms: number): string {
  if (ms < 60_000) return `${round(ms / 1000, 1)}s`;
  if (ms < HOUR) return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h ${Math.round((ms % HOUR) / 60_000)}m`;
  return `${Math.floor(ms / DAY)}d ${Math.round((ms % DAY) / HOUR)}h`;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
