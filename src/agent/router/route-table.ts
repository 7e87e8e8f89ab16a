import type { IncomingMessage } from 'node:http';
import type { BackendPool, PoolEntry } from './backend-pool.ts';
import { cookieValue } from './headers.ts';
import { type Random, WeightedPicker } from './picker.ts';
import type { Routes } from './routes.ts';

/** A backend of the routing table, bound to its connection pool. */
export interface RoutedBackend {
  readonly version: string;
  readonly pool: PoolEntry;
  /** The debug header to add to its responses, when the routes ask for it. */
  readonly versionHeader: readonly [string, string] | undefined;
}

interface CompiledRule {
  readonly kind: 'header' | 'cookie';
  /** Lowercased for headers. */
  readonly name: string;
  readonly value: string;
  /** The addresses of the rule's version, one drawn evenly when there are several. */
  readonly backends: readonly RoutedBackend[];
}

/** Validated routes compiled for the hot path; immutable, so swapping the table is one assignment. */
export class RouteTable {
  readonly routes: Routes;
  /** One per address: a backend with replicas gives one per replica, sharing its weight evenly. */
  readonly backends: readonly RoutedBackend[];
  readonly #picker: WeightedPicker;
  readonly #rules: readonly CompiledRule[];

  /** Binds each address of `routes` (already validated) to its pool in `pool`. */
  constructor(routes: Routes, pool: BackendPool, versionHeaderName: string) {
    this.routes = routes;
    const backends: RoutedBackend[] = [];
    const weights: number[] = [];
    const byVersion = new Map<string, RoutedBackend[]>();
    for (const b of routes.backends) {
      const versionHeader = routes.addVersionHeader
        ? Object.freeze([versionHeaderName, b.version] as const)
        : undefined;
      const targets = [b.target, ...(b.replicas ?? [])];
      const routed = targets.map((t) => ({ version: b.version, pool: pool.entry(t), versionHeader }));
      targets.forEach((_, i) => weights.push(evenShare(b.weight, targets.length, i)));
      backends.push(...routed);
      byVersion.set(b.version, routed);
    }
    this.backends = backends;
    this.#picker = new WeightedPicker(weights);
    this.#rules = (routes.match ?? []).map((r) => {
      const kind = r.header ? 'header' : 'cookie';
      const pair = (r.header ?? r.cookie) as { name: string; value: string };
      const name = kind === 'header' ? pair.name.toLowerCase() : pair.name;
      return { kind, name, value: pair.value, backends: byVersion.get(r.version) as RoutedBackend[] };
    });
  }

  /** The backend for a request: the first match rule that holds, else a weighted draw from `random`. */
  choose(req: IncomingMessage, random: Random): RoutedBackend {
    for (const rule of this.#rules) {
      const headers = req.headers;
      const actual = rule.kind === 'header' ? headers[rule.name] : cookieValue(headers.cookie, rule.name);
      if (actual === rule.value || (Array.isArray(actual) && actual.includes(rule.value))) {
        const { backends } = rule;
        if (backends.length === 1) return backends[0] as RoutedBackend;
        return backends[
          Math.min(backends.length - 1, Math.floor(random() * backends.length))
        ] as RoutedBackend;
      }
    }
    return this.backends[this.#picker.pick(random())] as RoutedBackend;
  }

  /** Every backend address in the table. */
  targets(): Set<string> {
    return new Set(this.backends.map((b) => b.pool.target));
  }
}

/** Share `i` of `weight` split over `n`: the remainder goes to the first ones, so the shares sum to it. */
function evenShare(weight: number, n: number, i: number): number {
  return Math.floor(weight / n) + (i < weight % n ? 1 : 0);
}
