import { errorMeasurement, messageOf } from './measurement.ts';
import type { ErrorMeasurement } from './measurement.ts';

/** The request a provider sends. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** The part of a fetch response providers read. */
export interface FetchResponse {
  readonly status: number;
  text(): Promise<string>;
}

/** The one function of `fetch` the HTTP providers need; inject another for tests or proxies. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

/** The global `fetch`, behind the FetchLike shape. */
export const globalFetch: FetchLike = (url, init) => fetch(url, init);

/** A whole HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** How one exchange is bounded and named in errors. */
export interface ExchangeLimits {
  /** Names the server in errors, e.g. `prometheus at http://127.0.0.1:9090`. */
  readonly who: string;
  readonly timeoutMs: number;
  /** The measurement's own signal; aborting it cancels the exchange. */
  readonly signal: AbortSignal;
}

/**
 * Sends one request and reads the whole body within `timeoutMs`; never rejects: an unreachable
 * server, a timeout or a cancellation is an error measurement that says which.
 */
export async function exchange(
  fetchFn: FetchLike,
  url: string,
  init: Omit<FetchInit, 'signal'>,
  limits: ExchangeLimits,
): Promise<HttpAnswer | ErrorMeasurement> {
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = AbortSignal.any([limits.signal, timeout]);
  const aborted = new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  let response: FetchResponse;
  try {
    response = await Promise.race([fetchFn(url, { ...init, signal }), aborted]);
  } catch (err) {
    return failure(err, limits, timeout, 'answered');
  }
  try {
    const body = await Promise.race([response.text(), aborted]);
    return { status: response.status, body };
  } catch (err) {
    return failure(err, limits, timeout, 'finished its answer');
  }
}

function failure(
  err: unknown,
  limits: ExchangeLimits,
  timeout: AbortSignal,
  stage: 'answered' | 'finished its answer',
): ErrorMeasurement {
  if (limits.signal.aborted) return errorMeasurement(`measurement cancelled before ${limits.who} ${stage}`);
  if (timeout.aborted) {
    const what = stage === 'answered' ? 'did not answer' : 'did not finish its answer';
    return errorMeasurement(`${limits.who} ${what} within ${limits.timeoutMs} ms`);
  }
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  return errorMeasurement(`cannot reach ${limits.who}: ${messageOf(cause)}`);
}

/** Checks an http(s) URL without credentials (and, for a base address, without query); returns it or why not. */
export function checkHttpUrl(
  raw: unknown,
  role: string,
  kind: 'base' | 'request' = 'request',
): URL | ErrorMeasurement {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    return errorMeasurement(`${role} must be an http(s) URL, got ${JSON.stringify(excerptUrl(raw))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return errorMeasurement(`${role} must be an http(s) URL, got ${JSON.stringify(describeUrl(url))}`);
  }
  if (url.username || url.password) {
    return errorMeasurement(
      `${role} must not carry credentials (give them as auth or headers), got ${describeUrl(url)}`,
    );
  }
  if (kind === 'base' && (url.search || url.hash)) {
    return errorMeasurement(`${role} must not have a query or fragment, got ${describeUrl(url)}?...`);
  }
  return url;
}

/** A URL as errors may show it: no credentials, no query string, no fragment. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

function excerptUrl(raw: unknown): string {
  const text = String(raw);
  return text.replace(/\/\/[^/@]*@/, '//***@').replace(/[?#].*$/s, '');
}

/** True for a 2xx status. */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}
