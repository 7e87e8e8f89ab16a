/*
 * The HAProxy router: Runway keeps one HAProxy backend's servers equal to the ready instances the
 * target reports (`add server`, `enable server`, `del server`) and splits traffic with server
 * weights (`set weight`), all through the runtime API: no reload, no dropped connection. Each
 * server's name carries its version, so `show servers state` and `show stat` tell the split and the
 * per-version counts from HAProxy itself. Instances may be on any host HAProxy can reach.
 */
import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';
import type { RouterSpec } from '../kinds.ts';
import type { RouterContext } from '../registry.ts';
import { FULL_WEIGHT, RouterError } from '../router.ts';
import type { RouterCapabilities, Routes, RouteSite, TrafficRouter } from '../router.ts';
import { RuntimeApiError, runtimeCommand } from './runtime-api.ts';
import {
  FENCE_PREFIX,
  parseServersState,
  parseStat,
  perMille,
  serverName,
  serverWeights,
  versionOf,
  type ServerState,
} from './servers.ts';

/** Where HAProxy's runtime API is and which backend Runway manages. */
export interface HaproxyOptions {
  readonly runtimeApi: string;
  readonly backend: string;
}

const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** HAProxy driven live through its runtime API. */
export class HaproxyRouter implements TrafficRouter {
  readonly kind = 'haproxy';
  readonly capabilities: RouterCapabilities = Object.freeze({
    matches: false,
    preview: false,
    metrics: true,
    backends: true,
  });
  readonly #o: HaproxyOptions;

  constructor(options: HaproxyOptions) {
    this.#o = options;
  }

  async setRoutes(site: RouteSite, fence?: number): Promise<void> {
    const { weights, matches, preview } = site.routes;
    // check the request
    const sum = Object.values(weights).reduce((a, b) => a + b, 0);
    if (Object.keys(weights).length > 0 && sum !== FULL_WEIGHT)
      throw new RouterError(`weights must sum to ${FULL_WEIGHT} (per-mille), got ${sum}`);
    if ((matches ?? []).length > 0)
      throw new RouterError('the haproxy router does not route by header or cookie match');
    if (preview != null) throw new RouterError('the haproxy router has no preview listener');
    for (const b of site.backends)
      if (!ADDRESS.test(b.address))
        throw new RouterError(`backend address ${JSON.stringify(b.address)} is not host:port`);
    const be = this.#o.backend;
    const current = await this.#servers();
    await this.#fence(current, fence);
    const managed = current.filter((s) => versionOf(s.name) !== undefined);

    // add a server for every new instance (in maintenance, weight 0, until it is weighed)
    const wanted: { version: string; name: string }[] = [];
    const used = new Set(current.map((s) => s.name));
    for (const b of site.backends) {
      const have = managed.find((s) => versionOf(s.name) === b.version && s.address === b.address);
      if (have) {
        wanted.push({ version: b.version, name: have.name });
        continue;
      }
      let i = 0;
      while (used.has(serverName(b.version, i))) i++;
      const name = serverName(b.version, i);
      used.add(name);
      await this.#cmd(['add', 'server', `${be}/${name}`, b.address, 'weight', '0']);
      wanted.push({ version: b.version, name });
    }

    // weigh them: a version's share split evenly across its servers
    const perServer = wanted.map(
      (w) => (weights[w.version] ?? 0) / wanted.filter((x) => x.version === w.version).length,
    );
    const next = serverWeights(perServer);
    if (Object.keys(weights).length > 0 && next.every((w) => w === 0))
      throw new RouterError(
        `no ready instance of ${Object.keys(weights)
          .filter((v) => (weights[v] ?? 0) > 0)
          .join(', ')} to send traffic to`,
      );
    const order = wanted.map((w, i) => ({ ...w, weight: next[i]! })).sort((a, b) => b.weight - a.weight);
    const before = new Map(current.map((s) => [s.name, s]));
    // raise before lowering, so that no moment has every server at 0
    for (const w of order.filter(
      (x) => x.weight > (before.get(x.name)?.weight ?? 0) || before.get(x.name)?.maintenance !== false,
    )) {
      await this.#cmd(['set', 'weight', `${be}/${w.name}`, String(w.weight)]);
      if (before.get(w.name)?.maintenance !== false) await this.#cmd(['enable', 'server', `${be}/${w.name}`]);
    }
    for (const w of order.filter(
      (x) => x.weight < (before.get(x.name)?.weight ?? 0) && before.get(x.name)?.maintenance === false,
    ))
      await this.#cmd(['set', 'weight', `${be}/${w.name}`, String(w.weight)]);

    // drain and remove the servers of instances that are gone
    const keep = new Set(wanted.map((w) => w.name));
    for (const s of managed.filter((m) => !keep.has(m.name))) {
      if (!s.maintenance) await this.#cmd(['disable', 'server', `${be}/${s.name}`]);
      // a server with connections still attached stays in maintenance until the next call
      await this.#cmd(['del', 'server', `${be}/${s.name}`]).catch(() => undefined);
    }
  }

  async getRoutes(): Promise<Routes | undefined> {
    const managed = (await this.#servers()).filter((s) => versionOf(s.name) !== undefined);
    if (managed.length === 0) return undefined;
    const byVersion = new Map<string, number>();
    for (const s of managed) {
      const v = versionOf(s.name)!;
      byVersion.set(v, (byVersion.get(v) ?? 0) + (s.maintenance ? 0 : s.weight));
    }
    return { weights: perMille(byVersion), preview: null };
  }

  async counts(service: string, environment: string): Promise<readonly VersionSnapshot[]> {
    const stats = parseStat(await this.#cmd(['show', 'stat']), this.#o.backend);
    const byVersion = new Map<string, { total: number; errors: number; codes: Record<string, number> }>();
    for (const s of stats) {
      const v = versionOf(s.name);
      if (v === undefined) continue;
      const acc = byVersion.get(v) ?? { total: 0, errors: 0, codes: {} };
      acc.total += s.requests;
      acc.errors += s.errors;
      for (const [k, n] of Object.entries(s.codes)) acc.codes[k] = (acc.codes[k] ?? 0) + n;
      byVersion.set(v, acc);
    }
    return [...byVersion].map(([version, c]) => ({
      service,
      environment,
      version,
      total: c.total,
      errors: c.errors,
      codes: c.codes,
      // HAProxy keeps averages, not a histogram: no latency quantiles through this router
      latency: { bounds: [], cumulative: [0], sum: 0, count: 0 },
    }));
  }

  async #servers(): Promise<ServerState[]> {
    const text = await this.#cmd(['show', 'servers', 'state', this.#o.backend]);
    if (/Can't find backend/i.test(text))
      throw new RouterError(`HAProxy has no backend ${JSON.stringify(this.#o.backend)}`);
    return parseServersState(text);
  }

  /**
   * Refuses a write whose lease token is older than one HAProxy has seen. The newest token is kept
   * in HAProxy itself, as the name of a server that never takes traffic, so every control plane sees it.
   */
  async #fence(current: readonly ServerState[], fence: number | undefined): Promise<void> {
    if (fence === undefined) return;
    const seen = current
      .filter((s) => s.name.startsWith(FENCE_PREFIX))
      .map((s) => ({ name: s.name, token: Number(s.name.slice(FENCE_PREFIX.length)) }));
    const newest = Math.max(-1, ...seen.map((s) => s.token));
    if (fence < newest)
      throw new RouterError(
        `refused: lease token ${fence} is older than ${newest}, which HAProxy has already seen`,
      );
    if (fence === newest) return;
    await this.#cmd([
      'add',
      'server',
      `${this.#o.backend}/${FENCE_PREFIX}${fence}`,
      '127.0.0.1:1',
      'weight',
      '0',
    ]);
    for (const s of seen)
      await this.#cmd(['del', 'server', `${this.#o.backend}/${s.name}`]).catch(() => undefined);
  }

  /** One runtime API command; an answer other than the one it gives on success becomes a RouterError. */
  async #cmd(words: readonly string[]): Promise<string> {
    let text: string;
    try {
      text = await runtimeCommand(this.#o.runtimeApi, words);
    } catch (err) {
      if (err instanceof RuntimeApiError) throw new RouterError(err.message);
      throw err;
    }
    const verb = words[0] === 'show' ? 'show' : `${words[0]} ${words[1]}`;
    const ok = SUCCESS[verb];
    if (ok && !ok.test(text.trim()))
      throw new RouterError(
        `HAProxy refused "${words.join(' ')}": ${text.trim().split('\n')[0] || '(no answer)'}`,
      );
    return text;
  }
}

/** What HAProxy answers when a command worked. */
const SUCCESS: Readonly<Record<string, RegExp>> = {
  'add server': /^New server registered\.?$/,
  'del server': /^Server deleted\.?$/,
  'set weight': /^$/,
  'enable server': /^$/,
  'disable server': /^$/,
};

/** The registry's factory. */
export function createHaproxyRouter(
  spec: RouterSpec | { readonly kind: 'none' },
  _ctx: RouterContext,
): HaproxyRouter {
  if (spec.kind !== 'haproxy') throw new RouterError(`not an haproxy router: ${spec.kind}`);
  return new HaproxyRouter({ runtimeApi: spec.runtimeApi, backend: spec.backend });
}
