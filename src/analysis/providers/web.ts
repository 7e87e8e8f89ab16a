import type { MeasureContext, MetricQuery, Provider } from '../provider.ts';
import { checkHttpUrl, describeUrl, exchange, globalFetch, isSuccessStatus } from './http-fetch.ts';
import type { FetchLike } from './http-fetch.ts';
import { parseJsonPath, selectJsonPath } from './json-path.ts';
import { errorMeasurement, excerpt, isError, queryFor, settle } from './measurement.ts';
import type { ErrorMeasurement } from './measurement.ts';

/** What a web request measured: the HTTP status, or the JSON value at `jsonPath`; `status` either way. */
export interface WebValue {
  readonly value: unknown;
  readonly status: number;
}

/** A web measurement, or why there is none. */
export type WebMeasurement = WebValue | ErrorMeasurement;

/** What the web provider needs; only tests and proxies replace `fetch`. */
export interface WebOptions {
  readonly fetch?: FetchLike;
}

/**
 * Sends one HTTP request per measurement. Without `jsonPath` the value is the status code (any status,
 * so `result == 200` decides); with it, the answer must be 2xx JSON and the value is the field there.
 *
 * @example jsonPath '$.data.items[0].value' on {"data":{"items":[{"value":0.2}]}} // → { value: 0.2, status: 200 }
 */
export class WebProvider implements Provider {
  readonly name = 'web';
  readonly #fetch: FetchLike;

  constructor(options: WebOptions = {}) {
    this.#fetch = options.fetch ?? globalFetch;
  }

  /** Sends the request; never rejects. */
  measure(query: MetricQuery, ctx: MeasureContext): Promise<WebMeasurement> {
    return settle('web', ctx, async () => {
      const q = queryFor(query, 'web');
      if (isError(q)) return q;
      const url = checkHttpUrl(q.url, 'web url');
      if (isError(url)) return url;
      if (!Number.isInteger(q.timeoutMs) || q.timeoutMs <= 0) {
        return errorMeasurement(`web timeoutMs must be a positive whole number, got ${q.timeoutMs}`);
      }
      if (q.method === 'GET' && q.body !== undefined) {
        return errorMeasurement('a web GET request cannot have a body; use POST or PUT');
      }
      const steps = q.jsonPath === undefined ? undefined : parseJsonPath(q.jsonPath);
      if (steps && !Array.isArray(steps)) return errorMeasurement(steps.error);
      const who = `${q.method} ${describeUrl(url)}`;
      const init = {
        method: q.method,
        headers: { ...q.headers },
        ...(q.body === undefined ? {} : { body: q.body }),
      };
      const answer = await exchange(this.#fetch, url.href, init, {
        who,
        timeoutMs: q.timeoutMs,
        signal: ctx.signal,
      });
      if (isError(answer)) return answer;
      if (!steps) return Object.freeze({ value: answer.status, status: answer.status });
      if (!isSuccessStatus(answer.status)) {
        return errorMeasurement(`${who} answered HTTP ${answer.status}, so ${q.jsonPath} has no value`);
      }
      let doc: unknown;
      try {
        doc = JSON.parse(answer.body);
      } catch {
        return errorMeasurement(
          `${who} answered with a body that is not JSON, so ${q.jsonPath} has no value: ${JSON.stringify(excerpt(answer.body))}`,
        );
      }
      const selected = selectJsonPath(doc, steps);
      if (!selected.found) return errorMeasurement(`${who}: the answer has nothing at ${selected.missing}`);
      return Object.freeze({ value: selected.value, status: answer.status });
    });
  }
}
