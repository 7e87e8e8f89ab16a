import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXPOSITION_CONTENT_TYPE, familyHeader, formatLabels, formatValue } from './exposition.ts';
import { DEFAULT_BUCKETS, Histogram, validateBuckets } from './histogram.ts';
import type { VersionSnapshot } from './version-snapshot.ts';

/** The counter the seeds' PromQL reads: `http_requests_total{service,version,code[,environment]}`. */
export const REQUESTS_TOTAL = 'http_requests_total';
/** The histogram the seeds' PromQL reads: `http_request_duration_seconds_bucket{service,version,le[,environment]}`. */
export const REQUEST_DURATION = 'http_request_duration_seconds';

interface Series {
  readonly service: string;
  readonly environment: string | undefined;
  readonly version: string;
  readonly codes: Map<number, number>;
  readonly latency: Histogram;
}

/** Per-version request counts and latency histograms of the router, as Prometheus text and as raw counts. */
export class RequestMetrics {
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, Map<string, Series>>();

  /** `buckets` are latency upper bounds in seconds; the default is the Prometheus clients' 0.005..10. */
  constructor(buckets: readonly number[] = DEFAULT_BUCKETS) {
    this.#buckets = validateBuckets(buckets);
  }

  /**
   * Counts one request of `version` of `service` that ended with `code` after `seconds`; `environment`,
   * when given, becomes a label of its own (staging and production may run the same versions).
   */
  record(service: string, version: string, code: number, seconds: number, environment?: string): void {
    let versions = this.#series.get(service);
    if (!versions) this.#series.set(service, (versions = new Map()));
    const key = environment === undefined ? version : `${version}\u0000${environment}`;
    let s = versions.get(key);
    if (!s) {
      s = { service, environment, version, codes: new Map(), latency: new Histogram(this.#buckets) };
      versions.set(key, s);
    }
    s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
    s.latency.observe(seconds);
  }

  /** Raw counts per service (and environment) and version, sorted; optionally only those of `service` and `environment`. */
  snapshot(service?: string, environment?: string): readonly VersionSnapshot[] {
    return Object.freeze(
      this.#sorted()
        .filter((s) => service === undefined || s.service === service)
        .filter((s) => environment === undefined || s.environment === environment)
        .map((s) => {
          const codes: Record<string, number> = {};
          let total = 0;
          let errors = 0;
          for (const [code, n] of [...s.codes].sort(([a], [b]) => a - b)) {
            codes[String(code)] = n;
            total += n;
            if (code >= 500 && code <= 599) errors += n;
          }
          const latency = s.latency.snapshot();
          const env = s.environment === undefined ? {} : { environment: s.environment };
          return Object.freeze({
            service: s.service,
            ...env,
            version: s.version,
            total,
            errors,
            codes,
            latency,
          });
        }),
    );
  }

  /** Everything in the Prometheus text exposition format (0.0.4). */
  render(): string {
    const series = this.#sorted();
    let out = familyHeader(REQUESTS_TOTAL, 'counter', 'Requests answered by the Runway router.');
    for (const s of series) {
      // a version that never failed still has a 5xx series, at 0: an error-rate query such as the
      // seeds' `sum(rate(…code=~"5.."…)) / sum(rate(…))` then reads 0 instead of "no data"
      const codes = [...s.codes];
      if (!codes.some(([code]) => code >= 500 && code <= 599)) codes.push([500, 0]);
      for (const [code, n] of codes.sort(([a], [b]) => a - b)) {
        const labels = formatLabels([
          ['service', s.service],
          ['version', s.version],
          ['code', String(code)],
          ...extra(s),
        ]);
        out += `${REQUESTS_TOTAL}${labels} ${n}\n`;
      }
    }
    out += familyHeader(REQUEST_DURATION, 'histogram', 'Time from request to the end of the response.');
    for (const s of series) {
      const h = s.latency.snapshot();
      const base: [string, string][] = [
        ['service', s.service],
        ['version', s.version],
      ];
      h.cumulative.forEach((c, i) => {
        const le = formatValue(i < h.bounds.length ? (h.bounds[i] as number) : Infinity);
        out += `${REQUEST_DURATION}_bucket${formatLabels([...base, ['le', le], ...extra(s)])} ${c}\n`;
      });
      const labels = formatLabels([...base, ...extra(s)]);
      out += `${REQUEST_DURATION}_sum${labels} ${formatValue(h.sum)}\n`;
      out += `${REQUEST_DURATION}_count${labels} ${h.count}\n`;
    }
    return out;
  }

  /** A node:http handler serving render() to GET and HEAD. */
  readonly metricsHandler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const body = this.render();
    res.writeHead(200, {
      'content-type': EXPOSITION_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  #sorted(): Series[] {
    const all: Series[] = [];
    for (const versions of this.#series.values()) all.push(...versions.values());
    return all.sort(
      (a, b) =>
        cmp(a.service, b.service) ||
        cmp(a.environment ?? '', b.environment ?? '') ||
        cmp(a.version, b.version),
    );
  }
}

/** The labels after the seeds' ones: `environment`, when the series has one. */
function extra(s: Series): [string, string][] {
  return s.environment === undefined ? [] : [['environment', s.environment]];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
