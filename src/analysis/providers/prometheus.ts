import type { CountersValue, StoredSample } from '../judge-metric.ts';
import type { MeasureContext, MetricQuery, PrometheusCounterQueries, Provider } from '../provider.ts';
import { ProviderConfigError } from './config-error.ts';
import { checkHttpUrl, describeUrl, exchange, globalFetch, isSuccessStatus } from './http-fetch.ts';
import type { FetchInit, FetchLike } from './http-fetch.ts';
import { errorMeasurement, isError, queryFor, settle } from './measurement.ts';
import type { ErrorMeasurement } from './measurement.ts';
import { readQueryAnswer } from './prometheus-response.ts';
import type { PrometheusMeasurement } from './prometheus-response.ts';

/** Credentials sent with every request; they never appear in a measurement. */
export type PrometheusAuth =
  { readonly bearerToken: string } | { readonly username: string; readonly password: string };

/** How to reach Prometheus, e.g. `{ address: 'http://127.0.0.1:9090' }`. */
export interface PrometheusOptions {
  /** The server queried when a query names no `address` of its own. */
  readonly address?: string;
  readonly auth?: PrometheusAuth;
  /** Extra headers, e.g. `{ 'X-Scope-OrgID': 'tenant-a' }` for Mimir or Thanos. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long one query may take, whole answer included (default 30000 ms, Argo's default). */
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Longer GET URLs go as a form POST instead (servers and proxies cap URL length around 8 KiB). */
const MAX_GET_URL_LENGTH = 4096;
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs PromQL instant queries over the HTTP API (`/api/v1/query` at the measurement's `now`).
 *
 * @example new PrometheusProvider({ address: 'http://127.0.0.1:9090' }).measure(query, ctx) // → { value: 0.004 }
 */
export class PrometheusProvider implements Provider {
  readonly name = 'prometheus';
  readonly #address: URL | undefined;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #secrets: readonly string[];
  readonly #timeoutMs: number;
  readonly #fetch: FetchLike;

  constructor(options: PrometheusOptions = {}) {
    if (options.address !== undefined) {
      const url = checkHttpUrl(options.address, 'prometheus address', 'base');
      if (isError(url)) throw new ProviderConfigError(url.error);
      this.#address = url;
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new ProviderConfigError(`prometheus timeoutMs must be a positive whole number, got ${timeoutMs}`);
    }
    this.#timeoutMs = timeoutMs;
    checkAuth(options.auth);
    this.#headers = Object.freeze({
      accept: 'application/json',
      ...options.headers,
      ...authHeader(options.auth),
    });
    this.#secrets = secretsOf(options.auth);
    this.#fetch = options.fetch ?? globalFetch;
  }

  /** Runs the query at `ctx.now`; never rejects. */
  measure(
    query: MetricQuery,
    ctx: MeasureContext,
  ): Promise<PrometheusMeasurement | { value: CountersValue }> {
    return settle('prometheus', ctx, async () => {
      const q = queryFor(query, 'prometheus');
      if (isError(q)) return q;
      if (q.counters) return this.#counters(q.counters, q.address, ctx);
      if (typeof q.query !== 'string' || q.query.trim() === '') {
        return errorMeasurement(`prometheus query of metric ${JSON.stringify(query.metric)} is empty`);
      }
      if (Number.isNaN(ctx.now.getTime())) {
        return errorMeasurement('prometheus query needs a valid time (now)');
      }
      return this.#instant(q.query, q.address, ctx);
    });
  }

  async #instant(
    query: string,
    address: string | undefined,
    ctx: MeasureContext,
  ): Promise<PrometheusMeasurement> {
    const base = this.#base(address);
    if (isError(base)) return base;
    const params = new URLSearchParams({ query, time: ctx.now.toISOString() });
    const [url, init] = instantQueryRequest(base, this.#headers, params);
    const limits = {
      who: `prometheus at ${describeUrl(base)}`,
      timeoutMs: this.#timeoutMs,
      signal: ctx.signal,
    };
    const answer = await exchange(this.#fetch, url, init, limits);
    const measured = isError(answer) ? answer : readQueryAnswer(answer.status, answer.body, query);
    return isError(measured) ? errorMeasurement(this.#redact(measured.error)) : measured;
  }

  /** Both versions' counters at `ctx.now`: each query asked with `{{version}}` set to each version. */
  async #counters(
    queries: PrometheusCounterQueries,
    address: string | undefined,
    ctx: MeasureContext,
  ): Promise<{ value: CountersValue } | ErrorMeasurement> {
    const value: Record<string, Omit<StoredSample, 'at'>> = {};
    for (const role of ['canary', 'stable'] as const) {
      const version = ctx.args[`${role}.version`];
      if (!version) return errorMeasurement(`a judge needs args['${role}.version'] to find the ${role}`);
      const ask = (text: string) => this.#instant(withVersion(text, version), address, ctx);
      const [requests, errors, buckets] = await Promise.all([
        ask(queries.requests),
        ask(queries.errors),
        queries.buckets === undefined ? undefined : ask(queries.buckets),
      ]);
      const r = oneNumber(requests, `requests of ${role} ${version}`);
      const e = oneNumber(errors, `errors of ${role} ${version}`);
      if (typeof r === 'string') return errorMeasurement(r);
      if (typeof e === 'string') return errorMeasurement(e);
      const b = buckets === undefined ? undefined : bucketsOf(buckets);
      value[role] = { requests: r, errors: e, ...(b && { buckets: b }) };
    }
    return { value: value as unknown as CountersValue };
  }

  /** Whether the default address answers `/-/ready` (or, behind proxies that hide it, `/api/v1/status/buildinfo`). */
  async online(): Promise<boolean> {
    const base = this.#address;
    if (!base) return false;
    for (const path of ['/-/ready', '/api/v1/status/buildinfo']) {
      const answer = await exchange(
        this.#fetch,
        `${withoutTrailingSlash(base)}${path}`,
        { method: 'GET', headers: { ...this.#headers } },
        { who: 'prometheus', timeoutMs: this.#timeoutMs, signal: NEVER_ABORTED },
      );
      if (!isError(answer) && isSuccessStatus(answer.status)) return true;
    }
    return false;
  }

  #base(address: string | undefined): URL | ErrorMeasurement {
    if (address === undefined) {
      return (
        this.#address ??
        errorMeasurement('prometheus has no address: give the query an address or the provider a default one')
      );
    }
    return checkHttpUrl(address, 'prometheus address', 'base');
  }

  #redact(text: string): string {
    return this.#secrets.reduce((out, secret) => out.replaceAll(secret, '***'), text);
  }
}

/** GET `/api/v1/query?query=…&time=…`, or the same as a form POST when the URL would be too long. */
function instantQueryRequest(
  base: URL,
  headers: Readonly<Record<string, string>>,
  params: URLSearchParams,
): [string, Omit<FetchInit, 'signal'>] {
  const endpoint = `${withoutTrailingSlash(base)}/api/v1/query`;
  const asGet = `${endpoint}?${params}`;
  if (asGet.length <= MAX_GET_URL_LENGTH) return [asGet, { method: 'GET', headers: { ...headers } }];
  const form = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
  return [endpoint, { method: 'POST', headers: form, body: params.toString() }];
}

function checkAuth(auth: PrometheusAuth | undefined): void {
  if (auth === undefined) return;
  const ok =
    'bearerToken' in auth
      ? typeof auth.bearerToken === 'string' && auth.bearerToken !== ''
      : typeof auth.username === 'string' && auth.username !== '' && typeof auth.password === 'string';
  if (!ok) throw new ProviderConfigError('prometheus auth must be { bearerToken } or { username, password }');
}

function authHeader(auth: PrometheusAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('bearerToken' in auth) return { authorization: `Bearer ${auth.bearerToken}` };
  const pair = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
  return { authorization: `Basic ${pair}` };
}

function secretsOf(auth: PrometheusAuth | undefined): readonly string[] {
  if (!auth) return [];
  const values =
    'bearerToken' in auth
      ? [auth.bearerToken]
      : [auth.password, (authHeader(auth)['authorization'] ?? '').slice('Basic '.length)];
  return Object.freeze(values.filter((s) => s.length >= 3));
}

function withoutTrailingSlash(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A query with `{{version}}` set to a version, escaped as the inside of a PromQL string. */
function withVersion(query: string, version: string): string {
  const quoted = JSON.stringify(version).slice(1, -1);
  return query.replace(/(?<!\$)\{\{\s*version\s*\}\}/g, () => quoted);
}

/** One number from a counter query (a sum): a scalar or a one-sample vector. */
function oneNumber(m: PrometheusMeasurement, what: string): number | string {
  if (isError(m)) return `${what}: ${m.error}`;
  const v = Array.isArray(m.value) && m.value.length === 1 ? m.value[0] : m.value;
  return typeof v === 'number' && Number.isFinite(v)
    ? v
    : `${what}: expected one number, got ${JSON.stringify(m.value)}`;
}

/** `[le, count]` pairs, ascending, from a `sum by (le)` vector; undefined when there are none yet. */
function bucketsOf(m: PrometheusMeasurement): StoredSample['buckets'] | undefined {
  if (isError(m) || !m.labels) return undefined;
  const values = Array.isArray(m.value) ? m.value : [m.value];
  const pairs = m.labels.map((l, i): [number | null, number] => {
    const le = Number(l['le']);
    return [l['le'] === '+Inf' ? null : le, Number(values[i])];
  });
  if (pairs.some(([le, n]) => (le !== null && !Number.isFinite(le)) || !Number.isFinite(n))) return undefined;
  return pairs.sort(([a], [b]) => (a ?? Infinity) - (b ?? Infinity));
}
