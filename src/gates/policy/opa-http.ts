import { PolicyDefinitionError } from './cel-policy.ts';
import { errorText, toDecision } from './decision.ts';
import type { Findings } from './decision.ts';
import type { GateInput } from './gate-input.ts';
import { contentDigest } from './input-digest.ts';
import type { Decision, Policy, Violation, Warning } from './policy.ts';

/** The request the adapter sends. */
export interface HttpRequestInit {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** The part of a fetch response the adapter reads. */
export interface HttpResponse {
  status: number;
  json(): Promise<unknown>;
}

/** The one call of `fetch` the adapter needs; inject another for tests or proxies. */
export interface HttpClient {
  fetch(url: string, init: HttpRequestInit): Promise<HttpResponse>;
}

/** Where an OPA server serves the decision, e.g. `{ url: 'http://127.0.0.1:8181', path: 'companyos/release/decision' }`. */
export interface OpaHttpOptions {
  url: string;
  /** The decision document under `/v1/data/`, slash-separated. */
  path: string;
  name?: string;
  /** How long to wait for the whole answer (default 5000 ms). */
  timeoutMs?: number;
  client?: HttpClient;
}

const DEFAULT_TIMEOUT_MS = 5000;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;
const globalClient: HttpClient = { fetch: (url, init) => fetch(url, init) };

class Unusable extends Error {}

/**
 * A policy served by an OPA server for teams that keep their rules in Rego: POSTs `{input}` to
 * `<url>/v1/data/<path>` and maps `result.{allow, strategy, violations, warnings}` to a Decision.
 * No result, a non-200 answer, a timeout or a malformed result denies with the reason.
 */
export class OpaHttpPolicy implements Policy {
  readonly name: string;
  readonly version: string;
  readonly #endpoint: string;
  readonly #document: string;
  readonly #timeoutMs: number;
  readonly #client: HttpClient;

  constructor(options: OpaHttpOptions) {
    const base = parseBaseUrl(options.url);
    if (typeof options.path !== 'string' || !PATH.test(options.path)) {
      throw new PolicyDefinitionError(
        'opa.path',
        `must look like "companyos/release/decision", got ${JSON.stringify(options.path)}`,
      );
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new PolicyDefinitionError(
        'opa.timeoutMs',
        `must be a positive whole number of milliseconds, got ${timeoutMs}`,
      );
    }
    this.#endpoint = `${base}/v1/data/${options.path}`;
    this.#document = `data.${options.path.replaceAll('/', '.')}`;
    this.#timeoutMs = timeoutMs;
    this.#client = options.client ?? globalClient;
    this.name = options.name ?? `opa:${options.path}`;
    this.version = contentDigest({ kind: 'opa-http', url: base, path: options.path });
  }

  /** Asks OPA for the decision; never rejects. */
  async evaluate(input: GateInput, now: Date): Promise<Decision> {
    let findings: Findings;
    try {
      findings = toFindings(await this.#query(input), this.#document);
    } catch (err) {
      const reason = err instanceof Unusable ? err.message : `opa could not be asked: ${errorText(err)}`;
      findings = { violations: [{ rule: 'opa', message: reason, overridable: false }], warnings: [] };
    }
    return toDecision(this, input, now, findings);
  }

  async #query(input: GateInput): Promise<unknown> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Unusable(`opa did not answer within ${this.#timeoutMs} ms`));
        controller.abort();
      }, this.#timeoutMs);
    });
    try {
      const init: HttpRequestInit = {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ input }),
        signal: controller.signal,
      };
      const response = await Promise.race([this.#client.fetch(this.#endpoint, init), timeout]).catch(
        unreachable,
      );
      const body = await Promise.race([response.json(), timeout]).catch((err: unknown) => {
        if (err instanceof Unusable) throw err;
        const status = response.status === 200 ? 'with a body that is not JSON' : `HTTP ${response.status}`;
        throw new Unusable(`opa answered ${status}`);
      });
      if (response.status !== 200)
        throw new Unusable(`opa answered HTTP ${response.status}${opaError(body)}`);
      return body;
    } finally {
      clearTimeout(timer);
    }
  }
}

function unreachable(err: unknown): never {
  if (err instanceof Unusable) throw err;
  const cause = err instanceof Error ? err.cause : undefined;
  throw new Unusable(`opa could not be reached: ${errorText(cause instanceof Error ? cause : err)}`);
}

function toFindings(body: unknown, document: string): Findings {
  if (!isObject(body) || !('result' in body)) {
    throw new Unusable(
      `opa has no result for ${document}: the rule is undefined for this input or not loaded`,
    );
  }
  const result = body['result'];
  const malformed = (why: string) => new Unusable(`opa result for ${document} is malformed: ${why}`);
  if (!isObject(result)) throw malformed(`expected {allow, strategy, violations}, got ${short(result)}`);
  const { allow, strategy } = result;
  if (typeof allow !== 'boolean') throw malformed(`allow must be true or false, got ${short(allow)}`);
  if (strategy !== undefined && (typeof strategy !== 'string' || strategy === '')) {
    throw malformed(`strategy must be a name, got ${short(strategy)}`);
  }
  const violations = items(result['violations'], 'violations', document, malformed).map((v): Violation => ({
    rule: v.rule,
    message: v.message,
    overridable: v.overridable ?? false,
  }));
  const warnings = items(result['warnings'], 'warnings', document, malformed).map((w): Warning => ({
    rule: w.rule,
    message: w.message,
  }));
  if (!allow && violations.length === 0) {
    violations.push({ rule: document, message: 'opa denied without giving a reason', overridable: false });
  }
  return { violations, warnings, ...(strategy === undefined ? {} : { strategy }) };
}

interface Item {
  rule: string;
  message: string;
  overridable?: boolean;
}

function items(raw: unknown, key: string, document: string, malformed: (why: string) => Error): Item[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw malformed(`${key} must be a list, got ${short(raw)}`);
  return raw.map((entry, i) => {
    if (typeof entry === 'string') return { rule: document, message: entry };
    const ok =
      isObject(entry) &&
      typeof entry['message'] === 'string' &&
      (entry['rule'] === undefined || typeof entry['rule'] === 'string') &&
      (entry['overridable'] === undefined || typeof entry['overridable'] === 'boolean');
    if (!ok)
      throw malformed(`${key}[${i}] must be text or {rule?, message, overridable?}, got ${short(entry)}`);
    return {
      rule: (entry['rule'] as string | undefined) ?? document,
      message: entry['message'] as string,
      ...(entry['overridable'] === undefined ? {} : { overridable: entry['overridable'] as boolean }),
    };
  });
}

function opaError(body: unknown): string {
  if (!isObject(body)) return '';
  const { code, message } = body;
  return typeof code === 'string' && typeof message === 'string' ? ` (${code}: ${message})` : '';
}

function parseBaseUrl(raw: unknown): string {
  let url: URL | undefined;
  try {
    url = new URL(String(raw));
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash) {
    throw new PolicyDefinitionError(
      'opa.url',
      `must be an http(s) URL without query, got ${JSON.stringify(raw)}`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function short(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
