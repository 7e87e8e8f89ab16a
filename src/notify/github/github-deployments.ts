/*
 * GitHub deployments through the REST API (https://docs.github.com/rest/deployments): a rollout
 * of a commit to an environment is one GitHub deployment of that sha there, found by listing
 * (so a restarted control plane finds it again) or created; each rollout event adds a status.
 */
import type { Notification } from '../notification.ts';
import { NotifyError, type Notifier } from '../notifier.ts';

/** The deployment status each rollout event sets; other events post nothing. */
const STATES: Partial<Record<string, 'in_progress' | 'success' | 'failure'>> = {
  'rollout.started': 'in_progress',
  'rollout.completed': 'success',
  'rollout.rolled-back': 'failure',
  'rollout.aborted': 'failure',
};

/** Creates GitHub deployments and their statuses for rollouts. */
export class GitHubDeploymentsNotifier implements Notifier {
  readonly kind = 'github';
  readonly #api: string;
  readonly #repo: string;
  readonly #token: string;

  constructor(repo: string, token: string, api = 'https://api.github.com') {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo))
      throw new Error(`github repo must be owner/name, got "${repo}"`);
    if (!/^https?:\/\//.test(api)) throw new Error(`github api must be a URL, got "${api}"`);
    this.#api = api.replace(/\/$/, '');
    this.#repo = repo;
    this.#token = token;
  }

  async post(n: Notification, signal?: AbortSignal): Promise<void> {
    const state = STATES[n.event];
    if (state === undefined || n.sha === undefined || n.environment === undefined) return;
    // find the deployment of this sha in this environment, or create it
    const base = `${this.#api}/repos/${this.#repo}/deployments`;
    const found = (await this.#call(
      'GET',
      `${base}?sha=${encodeURIComponent(n.sha)}&environment=${encodeURIComponent(n.environment)}&per_page=1`,
      undefined,
      signal,
    )) as { id: number }[];
    let id = found[0]?.id;
    if (id === undefined) {
      const created = (await this.#call(
        'POST',
        base,
        {
          ref: n.sha,
          environment: n.environment,
          description: `runway: ${n.service}${n.rolloutId ? ` rollout ${n.rolloutId}` : ''}`.slice(0, 140),
          auto_merge: false,
          required_contexts: [],
          production_environment: n.environment === 'production',
        },
        signal,
      )) as { id: number };
      id = created.id;
    }
    await this.#call(
      'POST',
      `${base}/${id}/statuses`,
      { state, environment: n.environment, description: (n.reason ?? n.title).slice(0, 140) },
      signal,
    );
  }

  async #call(method: string, url: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.#token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'runway',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new NotifyError(`cannot reach ${new URL(url).host}: ${(err as Error).message}`, true);
    }
    const text = await res.text();
    if (!res.ok) {
      const message = (() => {
        try {
          return (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          return text;
        }
      })();
      throw new NotifyError(
        `GitHub answered ${res.status} to ${method} ${new URL(url).pathname}: ${message.slice(0, 200)}`,
        res.status >= 500 || res.status === 429,
        res.status,
      );
    }
    return JSON.parse(text) as unknown;
  }
}
