import type { MeasureContext, MetricQuery, Provider, ProviderKind, RawMeasurement } from '../provider.ts';
import type { RecordedSeries } from './series.ts';

/** How old a recorded point may be and still answer, as Prometheus' default lookback (5m). */
export const REPLAY_LOOKBACK_MS = 5 * 60_000;

/**
 * Stands in for a provider during a replay: a measurement at `now` gets the newest recorded point
 * of its metric at or before `now`, when it is at most 5 minutes old (as an instant query sees a
 * series); otherwise, or when the point recorded an error, the measurement is an error.
 * @example new SeriesProvider(series, 'prometheus').measure(query, { now, signal, args }) // { value: 0.004 }
 */
export class SeriesProvider implements Provider {
  readonly name: ProviderKind;
  readonly #series: RecordedSeries;

  constructor(series: RecordedSeries, kind: ProviderKind) {
    this.#series = series;
    this.name = kind;
  }

  async measure(query: MetricQuery, ctx: MeasureContext): Promise<RawMeasurement> {
    const points = this.#series[query.metric];
    const now = ctx.now.getTime();
    if (!points || points.length === 0) return { error: `nothing recorded for metric ${query.metric}` };
    const point = points.findLast((p) => p.at <= now);
    const at = ctx.now.toISOString();
    if (!point) {
      const first = new Date((points[0] as { at: number }).at).toISOString();
      return {
        error: `no recorded point of ${query.metric} at or before ${at} (the recording starts at ${first})`,
      };
    }
    if (now - point.at > REPLAY_LOOKBACK_MS) {
      const last = new Date(point.at).toISOString();
      return {
        error: `no recorded point of ${query.metric} in the 5m before ${at} (the previous one is at ${last})`,
      };
    }
    if (point.error !== undefined) return { error: point.error };
    if (isVersionCounters(point.value)) {
      // a judged metric reads every recorded scrape up to now, at the instants they were taken
      const scrapes = points
        .filter((p) => p.at <= now && isVersionCounters(p.value))
        .map((p) => ({ at: new Date(p.at).toISOString(), ...(p.value as object) }));
      return { value: { scrapes } };
    }
    return { value: point.value };
  }
}

function isVersionCounters(value: unknown): boolean {
  return value !== null && typeof value === 'object' && 'canary' in value && 'stable' in value;
}
