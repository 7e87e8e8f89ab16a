const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const GO_ZERO_TIME_MS = Date.UTC(0, 0, 1) - 1899 * 365.2425 * 86_400_000;

/**
 * Parses an RFC 3339 timestamp as Go writes it (nanoseconds, any offset) to milliseconds since the
 * epoch, or `undefined` when it is not one. Fractions below a millisecond are dropped.
 * @example parseRfc3339('2018-11-04T22:43:58.283995108+01:00') // 1541367838283
 */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, date, time, fraction = '', zone = ''] = match;
  const ms = (fraction.slice(1) + '000').slice(0, 3);
  const parsed = Date.parse(`${date}T${time}.${ms}${zone.toUpperCase()}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Whether a time is Go's zero time (`0001-01-01T00:00:00Z`), which Alertmanager sends for "not set". */
export function isGoZeroTime(ms: number): boolean {
  return ms === GO_ZERO_TIME_MS;
}
