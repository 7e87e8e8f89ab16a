/*
 * The control plane's API for the CLI and pipeline steps. Errors carry the server's message, so
 * the CLI can print it as it is.
 */
import type { EnvironmentRecord, RolloutRecord } from '../deploy/records.ts';
import type { SiteView } from '../rollout/placements.ts';
import type { FaultSpec } from '../targets/target.ts';
import type { RolloutRequest } from '../deploy/rollout-request.ts';
import type { SloState } from '../gates/slo/slo-state.ts';

/** A refused or failed API call. */
export class ServerError extends Error {
  readonly status: number;
  readonly issues: { field: string; message: string }[];

  constructor(status: number, message: string, issues: { field: string; message: string }[] = []) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

/** What `GET /v1/environments/:service/:env` answers. */
export interface EnvironmentStatus {
  environment: EnvironmentRecord;
  rollout: RolloutRecord | null;
  analysis: Record<string, unknown>;
  site: SiteView | null;
}

/** What `GET /v1/slo/:service/:env` answers: the evaluated SLO, its time as ISO 8601. */
export type SloStateJson = Omit<SloState, 'evaluatedAt'> & { evaluatedAt: string };

/** A client of `runway serve`. */
export class ServerClient {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(opts: { url: string; token: string; timeoutMs?: number }) {
    this.url = opts.url.replace(/\/$/, '');
    this.#token = opts.token;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  health(): Promise<{ ok: boolean; pid: number }> {
    return this.#call('GET', '/v1/health');
  }

  createRollout(req: RolloutRequest): Promise<{ rollout: RolloutRecord; created: boolean; note?: string }> {
    return this.#call('POST', '/v1/rollouts', req);
  }

  rollout(id: string): Promise<{ rollout: RolloutRecord; analysis: Record<string, unknown> }> {
    return this.#call('GET', `/v1/rollouts/${encodeURIComponent(id)}`);
  }

  rollouts(filter: { service?: string; environment?: string; limit?: number } = {}): Promise<{
    rollouts: RolloutRecord[];
  }> {
    const q = new URLSearchParams(
      Object.entries(filter)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    );
    return this.#call('GET', `/v1/rollouts?${q}`);
  }

  environments(): Promise<{ environments: EnvironmentRecord[] }> {
    return this.#call('GET', '/v1/environments');
  }

  environment(service: string, environment: string): Promise<EnvironmentStatus> {
    return this.#call('GET', `/v1/environments/${enc(service)}/${enc(environment)}`);
  }

  /** A verdict on the approval a run waits at; the approver is the token's name. */
  verdict(
    run: number,
    v: { verdict: 'approve' | 'reject'; step?: string; comment?: string },
  ): Promise<{ run: number; step: string; approver: string; verdict: 'approve' | 'reject' }> {
    return this.#call('POST', `/v1/runs/${run}/approvals`, v);
  }

  command(
    service: string,
    environment: string,
    command: string,
    by: string,
  ): Promise<{ rollout: RolloutRecord }> {
    return this.#call('POST', `/v1/environments/${enc(service)}/${enc(environment)}/commands`, {
      command,
      by,
    });
  }

  /** Rolls back to an earlier revision; `rollout: null` with `nothing` when there is nothing to undo. */
  undo(
    service: string,
    environment: string,
    to: { revision?: number; version?: string },
    by: string,
  ): Promise<{ rollout: RolloutRecord; nothing?: undefined } | { rollout: null; nothing: string }> {
    return this.#call('POST', `/v1/environments/${enc(service)}/${enc(environment)}/undo`, {
      ...(to.revision !== undefined && { toRevision: to.revision }),
      ...(to.version !== undefined && { toVersion: to.version }),
      by,
    });
  }

  setFaults(
    service: string,
    environment: string,
    version: string,
    faults: FaultSpec | null,
  ): Promise<unknown> {
    return this.#call(
      'PUT',
      `/v1/environments/${enc(service)}/${enc(environment)}/faults/${enc(version)}`,
      faults,
    );
  }

  /**
   * The SLO of a service in an environment, from the counters the control plane sampled, as of
   * `at` (default now); numbers without enough data are `insufficient-data` with the reason.
   */
  slo(
    service: string,
    environment: string,
    q: { objective: number; window: string; at?: string },
  ): Promise<SloStateJson> {
    const params = new URLSearchParams({
      objective: String(q.objective),
      window: q.window,
      ...(q.at === undefined ? {} : { at: q.at }),
    });
    return this.#call('GET', `/v1/slo/${enc(service)}/${enc(environment)}?${params}`);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ServerError(
        0,
        `the control plane at ${this.url} is not reachable (${cause}); is \`runway serve\` running?`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new ServerError(
        res.status,
        `the control plane answered ${res.status} with a body that is not JSON`,
      );
    }
    if (!res.ok) {
      const e = json as { error?: string; issues?: { field: string; message: string }[] };
      throw new ServerError(res.status, e.error ?? `HTTP ${res.status}`, e.issues ?? []);
    }
    return json as T;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
