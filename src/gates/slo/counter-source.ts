/** Requests and errors counted over an interval, and how many milliseconds of it the data covers. */
export interface CounterIncrease {
  total: number;
  errors: number;
  coveredMs: number;
}

/**
 * Where request counts come from. `increase` answers how many requests and errors happened between
 * `from` and `to`, or `undefined` when it has no data for any part of the interval.
 */
export interface CounterSource {
  increase(from: Date, to: Date): Promise<CounterIncrease | undefined>;
}
