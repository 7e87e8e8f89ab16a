import type { FaultSpec, SiteDesiredInput } from './desired.ts';
import type { VersionSnapshot } from './metrics/version-snapshot.ts';
import type { SiteStatus } from './site.ts';

/** Where the agent listens and how to authenticate. */
export interface AgentClientOptions {
  /** e.g. `http://127.0.0.1:7070` */
  readonly url: string;
  readonly token: string;
  /** Per request; default 5000. */
  readonly timeoutMs?: number;
}

/** What `GET /v1/health` answers. */
export interface AgentHealth {
  readonly ok: boolean;
  readonly pid: number;
  readonly version: string;
}

/** A failed call: `status` is the HTTP status, or 0 when the agent could not be reached or timed out. */
export class AgentError extends Error {
  readonly status: number;
  readonly issues: readonly string[];

  constructor(status: number, message: string, issues: readonly string[] = []) {
    super(message);
    this.name = 'AgentError';
    this.status = status;
    this.issues = issues;
  }
}

/** Default time one call may take. */
export const DEFAULT_CLIENT_TIMEOUT_MS = 5000;

/**
 * A typed client of the agent's admin API.
 *
 * @example await new AgentClient({ url, token }).setWeights('checkout-api', 'production', { stable: 1000 })
 */
export class AgentClient {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: AgentClientOptions) {
    if (!/^https?:\/\/[^/]+$/.test(options.url.replace(/\/$/, ''))) {
      throw new RangeError(`url must be like http://127.0.0.1:7070, got "${options.url}"`);
    }
    this.url = options.url.replace(/\/$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
  }

  health(): Promise<AgentHealth> {
    return this.#call('GET', '/v1/health');
  }

  async sites(): Promise<SiteStatus[]> {
    return (await this.#call<{ sites: SiteStatus[] }>('GET', '/v1/sites')).sites;
  }

  site(service: string, environment: string): Promise<SiteStatus> {
    return this.#call('GET', sitePath(service, environment));
  }

  /** Applies a site's whole desired state (`service` and `environment` may be left out of `desired`). */
  apply(desired: SiteDesiredInput, fence?: number): Promise<SiteStatus> {
    return this.#call('PUT', sitePath(desired.service, desired.environment), desired, fence);
  }

  /** The fast path of a weight change (an abort): in force when this resolves. */
  setWeights(
    service: string,
    environment: string,
    weights: Record<string, number>,
    fence?: number,
  ): Promise<SiteStatus> {
    return this.#call('PUT', `${sitePath(service, environment)}/weights`, { weights }, fence);
  }

  /** Sets the faults of one version; `null` clears them. */
  setFaults(
    service: string,
    environment: string,
    version: string,
    faults: FaultSpec | null,
  ): Promise<SiteStatus> {
    const path = `${sitePath(service, environment)}/faults/${encodeURIComponent(version)}`;
    return this.#call('PUT', path, faults);
  }

  async remove(service: string, environment: string): Promise<void> {
    await this.#call('DELETE', sitePath(service, environment));
  }

  async snapshot(service: string, environment: string): Promise<readonly VersionSnapshot[]> {
    const path = `${sitePath(service, environment)}/snapshot`;
    return (await this.#call<{ snapshot: VersionSnapshot[] }>('GET', path)).snapshot;
  }

  /** Asks the agent to stop its instances and exit. */
  async shutdown(): Promise<void> {
    await this.#call('POST', '/v1/shutdown');
  }

  /** The Prometheus text of every site (no token needed). */
  async metrics(): Promise<string> {
    const res = await this.#fetch('GET', '/metrics');
    if (!res.ok) throw new AgentError(res.status, `GET /metrics answered ${res.status}`);
    return res.text();
  }

  async #call<T>(method: string, path: string, body?: unknown, fence?: number): Promise<T> {
    const res = await this.#fetch(method, path, body, fence);
    const text = await res.text().catch((err: Error) => {
      throw new AgentError(
        0,
        `agent at ${this.url} broke off its answer to ${method} ${path}: ${err.message}`,
      );
    });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AgentError(
        res.status,
        `${method} ${path} answered ${res.status} with no JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!res.ok) {
      const { error, issues } = json as { error?: string; issues?: string[] };
      throw new AgentError(res.status, error ?? `${method} ${path} answered ${res.status}`, issues ?? []);
    }
    return json as T;
  }

  async #fetch(method: string, path: string, body?: unknown, fence?: number): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(fence === undefined ? {} : { 'x-runway-fence': String(fence) }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') {
        throw new AgentError(
          0,
          `agent at ${this.url} did not answer ${method} ${path} within ${this.#timeoutMs}ms`,
        );
      }
      const reason = e.cause?.code ?? e.message;
      throw new AgentError(0, `agent at ${this.url} is unreachable (${reason}); is it running?`);
    }
  }
}

function sitePath(service: string, environment: string): string {
  return `/v1/sites/${encodeURIComponent(service)}/${encodeURIComponent(environment)}`;
}
