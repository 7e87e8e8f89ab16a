const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;
const GO_ZERO_TIME_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z

/**
 * Parses an RFC 3339 timestamp as Go writes it (nanoseconds, any offset) to milliseconds since the
 * epoch, or `undefined` when it is not one. Digits below a millisecond are dropped.
 * @example parseRfc3339('2018-11-04T22:43:58.283995108+01:00') // 1541367838283
 */
export function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zone = ''] = match;
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > daysInMonth)
    return undefined;
  const ms = fraction.padEnd(3, '0').slice(0, 3);
  const parsed = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}${zone.toUpperCase()}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Whether a time is Go's zero time (`0001-01-01T00:00:00Z`), which Alertmanager sends for "not set". */
export function isGoZeroTime(ms: number): boolean {
  return ms === GO_ZERO_TIME_MS;
}
