import type {
  MeasureContext,
  MetricQuery,
  ProviderKind,
  ProviderQuery,
  RawMeasurement,
} from '../provider.ts';

/** A measurement that could not be taken, and why. */
export interface ErrorMeasurement {
  readonly error: string;
}

/** The query of one provider kind, e.g. `QueryOf<'web'>` is a WebQuery. */
export type QueryOf<K extends ProviderKind> = Extract<ProviderQuery, { kind: K }>;

/** An error measurement with `reason`, frozen. */
export function errorMeasurement(reason: string): ErrorMeasurement {
  return Object.freeze({ error: reason });
}

/** The provider part of `query` when it is for `kind`, else an error measurement naming both kinds. */
export function queryFor<K extends ProviderKind>(query: MetricQuery, kind: K): QueryOf<K> | ErrorMeasurement {
  const provider: unknown = query?.provider;
  const actual = isRecord(provider) ? provider['kind'] : undefined;
  if (actual === kind) return provider as QueryOf<K>;
  return errorMeasurement(
    `the ${kind} provider cannot measure metric ${JSON.stringify(query?.metric)}: its query is for ${JSON.stringify(actual)}`,
  );
}

/**
 * Runs `measure` so that it never rejects: a cancelled context or an unexpected exception becomes an
 * error measurement.
 */
export async function settle<M extends RawMeasurement>(
  kind: ProviderKind,
  ctx: MeasureContext,
  measure: () => Promise<M | ErrorMeasurement>,
): Promise<M | ErrorMeasurement> {
  if (ctx?.signal?.aborted) return errorMeasurement(`${kind} measurement cancelled before it started`);
  try {
    return await measure();
  } catch (err) {
    return errorMeasurement(`${kind} provider failed unexpectedly: ${messageOf(err)}`);
  }
}

/** True when `m` (a measurement, or a step towards one) is an error measurement. */
export function isError(m: object): m is ErrorMeasurement {
  return 'error' in m && typeof m.error === 'string';
}

/** The message of anything thrown, one line. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim() || 'unknown error';
}

/** `text` cut to `max` characters with an ellipsis, control characters shown as spaces. */
export function excerpt(text: string, max = 60): string {
  const flat = text.replace(/[\s\p{Cc}]+/gu, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
