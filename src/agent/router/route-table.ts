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
  readonly backend: RoutedBackend;
}

/** Validated routes compiled for the hot path; immutable, so swapping the table is one assignment. */
export class RouteTable {
  readonly routes: Routes;
  readonly backends: readonly RoutedBackend[];
  readonly #picker: WeightedPicker;
  readonly #rules: readonly CompiledRule[];

  /** Binds each backend of `routes` (already validated) to its pool in `pool`. */
  constructor(routes: Routes, pool: BackendPool, versionHeaderName: string) {
    this.routes = routes;
    this.backends = routes.backends.map((b) => ({
      version: b.version,
      pool: pool.entry(b.target),
      versionHeader: routes.addVersionHeader
        ? Object.freeze([versionHeaderName, b.version] as const)
        : undefined,
    }));
    this.#picker = new WeightedPicker(routes.backends.map((b) => b.weight));
    const byVersion = new Map(this.backends.map((b) => [b.version, b]));
    this.#rules = (routes.match ?? []).map((r) => {
      const kind = r.header ? 'header' : 'cookie';
      const pair = (r.header ?? r.cookie) as { name: string; value: string };
      const name = kind === 'header' ? pair.name.toLowerCase() : pair.name;
      return { kind, name, value: pair.value, backend: byVersion.get(r.version) as RoutedBackend };
    });
  }

  /** The backend for a request: the first match rule that holds, else a weighted draw from `random`. */
  choose(req: IncomingMessage, random: Random): RoutedBackend {
    for (const rule of this.#rules) {
      const headers = req.headers;
      const actual = rule.kind === 'header' ? headers[rule.name] : cookieValue(headers.cookie, rule.name);
      if (actual === rule.value || (Array.isArray(actual) && actual.includes(rule.value)))
        return rule.backend;
    }
    return this.backends[this.#picker.pick(random())] as RoutedBackend;
  }

  /** Every backend address in the table. */
  targets(): Set<string> {
    return new Set(this.backends.map((b) => b.pool.target));
  }
}
