/*
 * Recorded measurements for replays and table tests: per metric name, either a list of
 * `{ at, value }` (or `{ at, error }`) points, or a Prometheus range-query (`/api/v1/query_range`)
 * answer as saved from the API.
 */
import { formatPath, type FieldPath } from '../arguments.ts';
import { parseSampleValue } from '../providers/prometheus-response.ts';

/** One recorded measurement: a value, or the error a provider gave at that time. */
export interface SeriesPoint {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly value?: unknown;
  readonly error?: string;
}

/** Points per metric name, each list ascending by time. */
export type RecordedSeries = Readonly<Record<string, readonly SeriesPoint[]>>;

/** A series file or inline series that cannot be used; names the field. */
export class SeriesError extends Error {
  constructor(source: string, path: FieldPath, message: string) {
    super(`${source}: ${path.length > 0 ? `${formatPath(path)}: ` : ''}${message}`);
    this.name = 'SeriesError';
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Reads recorded series; `source` names the file in errors.
 * @example parseSeries({ 'error-rate': [{ at: '2026-03-02T10:00:00Z', value: 0.004 }] }, 'incident.json')
 */
export function parseSeries(data: unknown, source: string): RecordedSeries {
  if (!isObject(data) || Object.keys(data).length === 0) {
    throw new SeriesError(
      source,
      [],
      'expected a map of metric names to recorded points or a range-query answer',
    );
  }
  const out: Record<string, readonly SeriesPoint[]> = {};
  for (const [metric, value] of Object.entries(data)) {
    const points = !isObject(value)
      ? fromPoints(value, source, [metric])
      : 'canary' in value
        ? fromVersions(value, source, [metric])
        : fromRangeQuery(value, source, [metric]);
    checkAscending(points, source, [metric]);
    out[metric] = Object.freeze(points);
  }
  return Object.freeze(out);
}

function fromPoints(value: unknown, source: string, path: FieldPath): SeriesPoint[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new SeriesError(
      source,
      path,
      'expected a non-empty list of { at, value } points or a range-query answer',
    );
  }
  return value.map((p: unknown, i) => {
    const at = [...path, i];
    if (!isObject(p)) throw new SeriesError(source, at, 'expected { at, value } or { at, error }');
    const unknown = Object.keys(p).filter((k) => !['at', 'value', 'error'].includes(k));
    if (unknown.length > 0) {
      throw new SeriesError(
        source,
        [...at, unknown[0] as string],
        'unknown key; a point has at and value (or error)',
      );
    }
    const time = readTime(p['at'], source, [...at, 'at']);
    if (typeof p['error'] === 'string' && p['value'] === undefined) return { at: time, error: p['error'] };
    if (p['value'] === undefined || p['error'] !== undefined) {
      throw new SeriesError(source, at, 'a point needs exactly one of value or error (a string)');
    }
    return { at: time, value: readValue(p['value']) };
  });
}

/**
 * Both versions' cumulative counters, as a judged metric stores them (`samples` of a rollout's
 * analysis report): `{ canary: [{at, requests, errors, buckets?}…], stable: […] }`, scraped together.
 * Each pair of scrapes becomes one point whose value is what the provider answered then.
 */
function fromVersions(value: Record<string, unknown>, source: string, path: FieldPath): SeriesPoint[] {
  const unknown = Object.keys(value).find((k) => k !== 'canary' && k !== 'stable');
  if (unknown !== undefined)
    throw new SeriesError(source, [...path, unknown], 'expected canary and stable only');
  const canary = isObject(value['canary'])
    ? fromRangeAnswers(value['canary'], source, [...path, 'canary'])
    : value['canary'];
  const stable = isObject(value['stable'])
    ? fromRangeAnswers(value['stable'], source, [...path, 'stable'])
    : value['stable'];
  if (!Array.isArray(canary) || !Array.isArray(stable) || canary.length === 0) {
    throw new SeriesError(
      source,
      path,
      'expected { canary: [scrapes…], stable: [scrapes…] }, both non-empty',
    );
  }
  if (canary.length !== stable.length) {
    throw new SeriesError(
      source,
      [...path, 'stable'],
      `both versions need the same scrapes: ${canary.length} canary, ${stable.length} stable`,
    );
  }
  return canary.map((c: unknown, i) => {
    const one = scrape(c, source, [...path, 'canary', i]);
    const other = scrape(stable[i], source, [...path, 'stable', i]);
    if (one.at !== other.at) {
      throw new SeriesError(
        source,
        [...path, 'stable', i, 'at'],
        'both versions must be scraped at the same instants',
      );
    }
    return { at: one.at, value: { canary: one.counters, stable: other.counters } };
  });
}

/**
 * One version's counters from saved `/api/v1/query_range` answers, one per counter query (as a judged
 * metric's `prometheus:` gives them): `{ requests, errors, buckets? }`, `buckets` by `le`.
 */
function fromRangeAnswers(value: Record<string, unknown>, source: string, path: FieldPath): unknown[] {
  const extra = Object.keys(value).find((k) => !['requests', 'errors', 'buckets'].includes(k));
  if (extra !== undefined) {
    throw new SeriesError(source, [...path, extra], 'expected requests, errors and buckets range answers');
  }
  const one = (key: string): Map<number, number> => {
    const answer = value[key];
    if (!isObject(answer)) throw new SeriesError(source, [...path, key], 'expected a range-query answer');
    const points = fromRangeQuery(answer, source, [...path, key]);
    if (points.some((p) => typeof p.value !== 'number')) {
      throw new SeriesError(source, [...path, key], 'expected one series (a sum), got several');
    }
    return new Map(points.map((p) => [p.at, p.value as number]));
  };
  const requests = one('requests');
  const errors = one('errors');
  const buckets =
    value['buckets'] === undefined ? undefined : bucketSeries(value['buckets'], source, [...path, 'buckets']);
  return [...requests.keys()]
    .filter((at) => errors.has(at))
    .map((at) => {
      const b = buckets?.get(at);
      return {
        at: at / 1000,
        requests: requests.get(at),
        errors: errors.get(at),
        ...(b && { buckets: b }),
      };
    });
}

/** `[le, count]` per instant from a `sum by (le)` range answer. */
function bucketSeries(
  answer: unknown,
  source: string,
  path: FieldPath,
): Map<number, [number | null, number][]> {
  const data = isObject(answer) ? answer['data'] : undefined;
  const result = isObject(data) ? data['result'] : undefined;
  if (!Array.isArray(result)) throw new SeriesError(source, path, 'expected a range-query answer');
  const byTime = new Map<number, [number | null, number][]>();
  result.forEach((series: unknown, i) => {
    const labels = isObject(series) && isObject(series['metric']) ? series['metric'] : {};
    const le = labels['le'];
    if (typeof le !== 'string')
      throw new SeriesError(source, [...path, 'data', 'result', i], 'a bucket series needs an le label');
    const bound = le === '+Inf' ? null : Number(le);
    const values = isObject(series) && Array.isArray(series['values']) ? series['values'] : [];
    for (const pair of values as unknown[]) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'number') continue;
      const n = parseSampleValue(String(pair[1]));
      if (n === undefined) continue;
      const at = Math.round(pair[0] * 1000);
      byTime.set(at, [...(byTime.get(at) ?? []), [bound, n]]);
    }
  });
  for (const list of byTime.values()) list.sort(([a], [b]) => (a ?? Infinity) - (b ?? Infinity));
  return byTime;
}

function scrape(
  value: unknown,
  source: string,
  path: FieldPath,
): { at: number; counters: { requests: number; errors: number; buckets?: unknown[] } } {
  if (!isObject(value)) throw new SeriesError(source, path, 'expected { at, requests, errors, buckets? }');
  const extra = Object.keys(value).find((k) => !['at', 'requests', 'errors', 'buckets'].includes(k));
  if (extra !== undefined)
    throw new SeriesError(
      source,
      [...path, extra],
      'unknown key; a scrape has at, requests, errors, buckets',
    );
  const at = readTime(value['at'], source, [...path, 'at']);
  for (const key of ['requests', 'errors']) {
    const n = value[key];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
      throw new SeriesError(source, [...path, key], `expected a count, got ${JSON.stringify(n)}`);
  }
  const buckets = value['buckets'];
  if (buckets !== undefined) {
    const ok =
      Array.isArray(buckets) &&
      buckets.every(
        (b: unknown) =>
          Array.isArray(b) &&
          b.length === 2 &&
          (b[0] === null || typeof b[0] === 'number') &&
          typeof b[1] === 'number',
      );
    if (!ok)
      throw new SeriesError(source, [...path, 'buckets'], 'expected [[le, count]…] with le null for +Inf');
  }
  const counters = {
    requests: value['requests'] as number,
    errors: value['errors'] as number,
    ...(Array.isArray(buckets) && { buckets: buckets as unknown[] }),
  };
  return { at, counters };
}

/** A saved `/api/v1/query_range` answer: one series gives numbers, several give a list per instant. */
function fromRangeQuery(answer: Record<string, unknown>, source: string, path: FieldPath): SeriesPoint[] {
  const data = answer['data'];
  if (answer['status'] !== 'success' || !isObject(data) || data['resultType'] !== 'matrix') {
    throw new SeriesError(
      source,
      path,
      'expected a Prometheus range-query answer ({"status":"success","data":{"resultType":"matrix",...}})',
    );
  }
  const result = data['result'];
  if (!Array.isArray(result) || result.length === 0) {
    throw new SeriesError(source, path, 'the range query returned no series, so there is nothing to replay');
  }
  const bySeries = result.map((series: unknown, i) => {
    const values = isObject(series) ? series['values'] : undefined;
    if (!Array.isArray(values))
      throw new SeriesError(source, [...path, 'data', 'result', i], 'a series needs values');
    return new Map(
      values.map((pair: unknown, j) => {
        const at = [...path, 'data', 'result', i, 'values', j];
        if (!Array.isArray(pair) || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
          throw new SeriesError(source, at, 'expected [unix seconds, "value"]');
        }
        const value = parseSampleValue(pair[1]);
        if (value === undefined)
          throw new SeriesError(source, at, `${JSON.stringify(pair[1])} is not a number`);
        return [Math.round(pair[0] * 1000), value] as const;
      }),
    );
  });
  const times = [...new Set(bySeries.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return times.map((at) => {
    const values = bySeries.map((m) => m.get(at)).filter((v) => v !== undefined);
    return { at, value: bySeries.length === 1 ? values[0] : values };
  });
}

function readTime(value: unknown, source: string, path: FieldPath): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string' && ISO.test(value) && !Number.isNaN(Date.parse(value)))
    return Date.parse(value);
  throw new SeriesError(
    source,
    path,
    `expected an ISO 8601 time with Z or an offset, or unix seconds, got ${JSON.stringify(value)}`,
  );
}

/** `"NaN"`, `"+Inf"` and `"-Inf"` (as Prometheus and stored measurements write them) become numbers. */
function readValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readValue);
  if (value === 'NaN' || value === '+Inf' || value === '-Inf') return parseSampleValue(value);
  return value;
}

function checkAscending(points: readonly SeriesPoint[], source: string, path: FieldPath): void {
  points.forEach((p, i) => {
    const before = points[i - 1];
    if (before && p.at <= before.at) {
      throw new SeriesError(
        source,
        [...path, i, 'at'],
        'points must be in ascending time order, without repeats',
      );
    }
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
