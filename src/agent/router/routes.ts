/** Weights are per-mille: 1000 is all the traffic, 1 is 0.1 %. */
export const WEIGHT_TOTAL = 1000;

/** One version of a service the router can send traffic to. */
export interface Backend {
  readonly version: string;
  /** `host:port`, or `[v6]:port`. */
  readonly target: string;
  /** Share of the traffic in per-mille (0..1000). */
  readonly weight: number;
  /** More addresses of the same version (its other replicas); the weight is split evenly across all. */
  readonly replicas?: readonly string[];
}

/** Sends a request to `version` when its header or cookie equals `value`, whatever the weights say. */
export interface MatchRule {
  readonly header?: { readonly name: string; readonly value: string };
  readonly cookie?: { readonly name: string; readonly value: string };
  readonly version: string;
}

/** What one service's router does: the weighted backends, the A/B rules, and the debug header. */
export interface Routes {
  readonly service: string;
  readonly backends: readonly Backend[];
  readonly match?: readonly MatchRule[];
  readonly addVersionHeader: boolean;
}

/** Routes that cannot be used; `problems` lists every one found. */
export class RoutesError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`invalid routes: ${problems.join('; ')}`);
    this.name = 'RoutesError';
    this.problems = problems;
  }
}

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const TOKEN_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks `input` and returns it as frozen Routes, or throws a RoutesError naming every problem. */
export function validateRoutes(input: unknown): Routes {
  const problems: string[] = [];
  const root = record(input, 'routes', problems, ['service', 'backends', 'match', 'addVersionHeader']);
  if (!root) throw new RoutesError(problems);

  const service = root.service;
  if (typeof service !== 'string' || service.length === 0) {
    problems.push(`service must be a non-empty string, got ${show(service)}`);
  }
  if (typeof root.addVersionHeader !== 'boolean') {
    problems.push(`addVersionHeader must be true or false, got ${show(root.addVersionHeader)}`);
  }

  const backends = backendsOf(root.backends, problems);
  const versions = new Set(backends.map((b) => b.version));
  const match = root.match === undefined ? undefined : rulesOf(root.match, versions, problems);

  if (problems.length > 0) throw new RoutesError(problems);
  const routes: Routes = {
    service: service as string,
    backends: Object.freeze(backends.map((b) => Object.freeze(b))),
    ...(match ? { match: Object.freeze(match) } : {}),
    addVersionHeader: root.addVersionHeader as boolean,
  };
  return Object.freeze(routes);
}

/** Splits a validated `host:port` target into its parts. */
export function parseTarget(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

function backendsOf(value: unknown, problems: string[]): Backend[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`backends must be a non-empty list, got ${show(value)}`);
    return [];
  }
  const out: Backend[] = [];
  const seen = new Set<string>();
  let sum = 0;
  let weightsValid = true;
  value.forEach((item, i) => {
    const where = `backends[${i}]`;
    const b = record(item, where, problems, ['version', 'target', 'weight'], ['replicas']);
    if (!b) return;
    const { version, target, weight } = b;
    const replicas = b.replicas === undefined ? undefined : replicasOf(b.replicas, target, where, problems);
    if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) {
      problems.push(`${where}.version must match ${VERSION_PATTERN.source}, got ${show(version)}`);
    } else if (seen.has(version)) {
      problems.push(`${where}.version "${version}" appears more than once`);
    } else {
      seen.add(version);
    }
    if (typeof target !== 'string' || !parseTarget(target)) {
      problems.push(`${where}.target must be "host:port" with a port in 1..65535, got ${show(target)}`);
    }
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > WEIGHT_TOTAL) {
      problems.push(
        `${where}.weight must be an integer in 0..${WEIGHT_TOTAL} (per-mille), got ${show(weight)}`,
      );
      weightsValid = false;
    } else {
      sum += weight;
    }
    out.push({
      version: version as string,
      target: target as string,
      weight: weight as number,
      ...(replicas ? { replicas: Object.freeze(replicas) } : {}),
    });
  });
  if (weightsValid && out.length === value.length && sum !== WEIGHT_TOTAL) {
    problems.push(`backend weights must sum to ${WEIGHT_TOTAL} (per-mille), got ${sum}`);
  }
  return out;
}

function replicasOf(value: unknown, target: unknown, where: string, problems: string[]): string[] {
  if (!Array.isArray(value)) {
    problems.push(`${where}.replicas must be a list of "host:port", got ${show(value)}`);
    return [];
  }
  const seen = new Set([target]);
  value.forEach((r, j) => {
    if (typeof r !== 'string' || !parseTarget(r)) {
      problems.push(`${where}.replicas[${j}] must be "host:port" with a port in 1..65535, got ${show(r)}`);
    } else if (seen.has(r)) {
      problems.push(`${where}.replicas[${j}] "${r}" appears more than once`);
    }
    seen.add(r);
  });
  return value as string[];
}

/**
 * Checks A/B rules (`match`): each names one header or cookie and a version among `versions`;
 * problems name the rule (`match[1].header.name …`). Shared by the routes and the agent's desired state.
 */
export function rulesOf(
  value: unknown,
  versions: ReadonlySet<string>,
  problems: string[],
  versionsAre = 'a backend version',
): MatchRule[] {
  if (!Array.isArray(value)) {
    problems.push(`match must be a list, got ${show(value)}`);
    return [];
  }
  const out: MatchRule[] = [];
  value.forEach((item, i) => {
    const where = `match[${i}]`;
    const r = record(item, where, problems, ['header', 'cookie', 'version']);
    if (!r) return;
    if (typeof r.version !== 'string' || !versions.has(r.version)) {
      const known = [...versions].map((v) => `"${v}"`).join(', ');
      problems.push(`${where}.version ${show(r.version)} is not ${versionsAre} (known: ${known})`);
    }
    if ((r.header === undefined) === (r.cookie === undefined)) {
      problems.push(`${where} needs exactly one of header or cookie`);
      return;
    }
    const kind = r.header !== undefined ? 'header' : 'cookie';
    const pair = record(r[kind], `${where}.${kind}`, problems, ['name', 'value']);
    if (!pair) return;
    if (typeof pair.name !== 'string' || !TOKEN_PATTERN.test(pair.name)) {
      problems.push(`${where}.${kind}.name must be a ${kind} name, got ${show(pair.name)}`);
    }
    if (typeof pair.value !== 'string' || /[\r\n\0]/.test(pair.value)) {
      problems.push(`${where}.${kind}.value must be a string without line breaks, got ${show(pair.value)}`);
    }
    const frozenPair = Object.freeze({ name: pair.name as string, value: pair.value as string });
    out.push(Object.freeze({ [kind]: frozenPair, version: r.version as string }));
  });
  return out;
}

function record(
  value: unknown,
  where: string,
  problems: string[],
  keys: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${where} must be an object, got ${show(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key) && !optional.includes(key))
      problems.push(`${where} has unknown key "${key}" (expected ${keys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
