import { errorMeasurement, excerpt, isRecord } from './measurement.ts';
import type { ErrorMeasurement } from './measurement.ts';
import { isSuccessStatus } from './http-fetch.ts';

/** The labels of one series, e.g. `{ service: 'checkout-api', version: 'v2' }`. */
export type Labels = Readonly<Record<string, string>>;

/**
 * What an instant query measured: a number (scalar, or a vector with one sample), number[] (a vector
 * with several samples, `labels[i]` naming sample `i`), or a string. NaN and ±Inf stay NaN and
 * ±Infinity so that conditions decide about them.
 */
export interface PrometheusValue {
  readonly value: number | readonly number[] | string;
  /** One entry per vector sample, in the order Prometheus returned them; absent for scalar and string. */
  readonly labels?: readonly Labels[];
  /** Warnings Prometheus attached to the answer (e.g. a partial response). */
  readonly warnings?: readonly string[];
}

/** A Prometheus measurement: the value of an instant query, or why there is none. */
export type PrometheusMeasurement = PrometheusValue | ErrorMeasurement;

/**
 * Reads a `/api/v1/query` answer. An `error` envelope, a non-2xx status, a body that is not JSON, an
 * empty vector, a range vector (matrix) and a native histogram sample are error measurements.
 */
export function readQueryAnswer(status: number, body: string, query = ''): PrometheusMeasurement {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch {
    return errorMeasurement(
      `prometheus answered HTTP ${status} with a body that is not JSON: ${JSON.stringify(excerpt(body))}`,
    );
  }
  if (!isRecord(envelope)) return malformed(`expected an object, got ${excerpt(JSON.stringify(envelope))}`);
  if (envelope['status'] === 'error') {
    const type = typeof envelope['errorType'] === 'string' ? envelope['errorType'] : 'unknown';
    const text = typeof envelope['error'] === 'string' ? envelope['error'] : 'no error text';
    return errorMeasurement(`prometheus query failed (HTTP ${status}, ${type}): ${text}`);
  }
  if (!isSuccessStatus(status)) return errorMeasurement(`prometheus answered HTTP ${status}`);
  if (envelope['status'] !== 'success') {
    return malformed(`status must be "success" or "error", got ${JSON.stringify(envelope['status'])}`);
  }
  const data = envelope['data'];
  if (!isRecord(data)) return malformed('it has no data object');
  const warnings = stringList(envelope['warnings']);
  const measured = readResult(data['resultType'], data['result'], query);
  if ('error' in measured || warnings.length === 0) return measured;
  return Object.freeze({ ...measured, warnings: Object.freeze(warnings) });
}

function readResult(resultType: unknown, result: unknown, query: string): PrometheusMeasurement {
  switch (resultType) {
    case 'vector':
      return readVector(result, query);
    case 'scalar': {
      const sample = readSample(result, 'scalar');
      return typeof sample === 'number' ? Object.freeze({ value: sample }) : sample;
    }
    case 'string': {
      if (!Array.isArray(result) || typeof result[1] !== 'string')
        return malformed('a string result is [time, "text"]');
      return Object.freeze({ value: result[1] });
    }
    case 'matrix': {
      const series = Array.isArray(result) ? result.length : 0;
      return errorMeasurement(
        `query returned a range vector (matrix, ${series} series); the prometheus provider runs instant queries: ` +
          'drop the [range] selector or wrap it in a function such as rate(...[5m])',
      );
    }
    default:
      return malformed(`unknown resultType ${JSON.stringify(resultType)}`);
  }
}

function readVector(result: unknown, query: string): PrometheusMeasurement {
  if (!Array.isArray(result)) return malformed('a vector result must be a list');
  if (result.length === 0) return errorMeasurement(emptyVectorReason(query));
  const values: number[] = [];
  const labels: Labels[] = [];
  for (const [i, item] of result.entries()) {
    if (!isRecord(item)) return malformed(`vector sample ${i} must be an object`);
    if (item['histogram'] !== undefined && item['value'] === undefined) {
      return errorMeasurement(
        `vector sample ${i} is a native histogram, which the prometheus provider does not judge: ` +
          'query a number instead, e.g. histogram_quantile(0.95, ...)',
      );
    }
    const value = readSample(item['value'], `vector sample ${i}`);
    if (typeof value !== 'number') return value;
    values.push(value);
    labels.push(Object.freeze(readLabels(item['metric'])));
  }
  return Object.freeze({
    value: values.length === 1 ? (values[0] as number) : Object.freeze(values),
    labels: Object.freeze(labels),
  });
}

/**
 * Why an empty vector cannot be judged, and what to change. `or vector(0)` is only suggested when
 * the query does not filter by comparison: on `x == 0` it would turn "the check failed" into 0.
 */
function emptyVectorReason(query: string): string {
  const filter = comparisonFilter(query);
  if (filter === undefined) {
    return (
      'query returned no data (empty vector): no series matched, so there is nothing to judge; ' +
      'append `or vector(0)` to the query if no data means zero'
    );
  }
  const bool = `${filter.op} bool ${filter.operand}`.trim();
  return (
    `query returned no data (empty vector): its comparison \`${filter.text}\` drops every series where it is false, ` +
    'so no data here means it held for no series (or none matched); do not append `or vector(0)`, which would ' +
    `pass the check: write \`${bool}\` to get 1 or 0, or move the comparison into successCondition`
  );
}

const COMPARISON = /(==|!=|>=|<=|>|<)(?!\s*bool\b)\s*([^\s()]*)/;

function comparisonFilter(query: string): { text: string; op: string; operand: string } | undefined {
  const outsideMatchers = query
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '');
  const found = COMPARISON.exec(outsideMatchers);
  if (!found) return undefined;
  const op = found[1] ?? '';
  const operand = found[2] ?? '';
  return { text: `${op} ${operand}`.trim(), op, operand };
}

function readSample(pair: unknown, what: string): number | ErrorMeasurement {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') {
    return malformed(`${what} must be [time, "value"]`);
  }
  const value = parseSampleValue(pair[1]);
  return value === undefined ? malformed(`${what} value ${JSON.stringify(pair[1])} is not a number`) : value;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A sample value as Prometheus writes it: a decimal string, or `NaN`, `+Inf`, `-Inf`.
 *
 * @example parseSampleValue('+Inf') // → Infinity
 */
export function parseSampleValue(text: string): number | undefined {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return DECIMAL.test(text) ? Number(text) : undefined;
}

function readLabels(metric: unknown): Record<string, string> {
  if (!isRecord(metric)) return {};
  return Object.fromEntries(
    Object.entries(metric).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((w): w is string => typeof w === 'string') : [];
}

function malformed(why: string): ErrorMeasurement {
  return errorMeasurement(`prometheus answer is malformed: ${why}`);
}
