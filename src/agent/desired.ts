import { isAbsolute } from 'node:path';
import { validateFaults, type Faults } from './router/faults.ts';
import { rulesOf, WEIGHT_TOTAL, type MatchRule } from './router/routes.ts';

/** One version of a service whose instances should run on this machine. */
export interface ReleaseDesired {
  readonly version: string;
  /** Bumped when the same version is released again (new artifact, new config): its instances restart. */
  readonly revision: number;
  /** Shell text, run with `bash -c` in `cwd`. */
  readonly command: string;
  readonly cwd: string;
  /** The environment of the process, besides `PORT` and the `RUNWAY_*` release variables. */
  readonly env: Readonly<Record<string, string>>;
  readonly replicas: number;
  /** Health path probed on each instance, e.g. `/health`. */
  readonly health: string;
  readonly readinessTimeoutMs?: number;
  readonly livenessIntervalMs?: number;
  readonly stopGraceMs?: number;
}

/** Sends a request to `version` when its header or cookie has this value, whatever the weights say. */
export type MatchDesired = MatchRule;

/** Faults injected into one version's traffic (missing fields are 0). */
export type FaultSpec = Partial<Faults>;

/** One service in one environment: one public port on 127.0.0.1, the releases behind it, and its routes. */
export interface SiteDesired {
  readonly service: string;
  readonly environment: string;
  /** Public port of the weighted router, bound on 127.0.0.1. */
  readonly port: number;
  /** Port of the blue-green preview router, if any. */
  readonly previewPort?: number;
  readonly releases: readonly ReleaseDesired[];
  /** Version → per-mille; sums to 1000 when any release runs. A version left out gets 0. */
  readonly weights: Readonly<Record<string, number>>;
  /** The version the preview port routes to. */
  readonly preview: string | null;
  readonly match: readonly MatchDesired[];
  /** Adds `X-Runway-Version` to every response. */
  readonly addVersionHeader: boolean;
  readonly faults: Readonly<Record<string, FaultSpec>>;
}

/** A SiteDesired as callers write it: the last four fields have defaults. */
export type SiteDesiredInput = Omit<SiteDesired, 'preview' | 'match' | 'addVersionHeader' | 'faults'> & {
  readonly preview?: string | null;
  readonly match?: readonly MatchDesired[];
  readonly addVersionHeader?: boolean;
  readonly faults?: Readonly<Record<string, FaultSpec>>;
};

/** A desired state that cannot be used; `issues` lists every problem, each naming its field. */
export class DesiredError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid desired state: ${issues.join('; ')}`);
    this.name = 'DesiredError';
    this.issues = issues;
  }
}

/** Most replicas of one release on one machine. */
export const MAX_REPLICAS = 32;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const ENV_NAME = /^[^=\0]+$/;
const SITE_KEYS = [
  'service',
  'environment',
  'port',
  'previewPort',
  'releases',
  'weights',
  'preview',
  'match',
  'addVersionHeader',
  'faults',
];
const RELEASE_KEYS = [
  'version',
  'revision',
  'command',
  'cwd',
  'env',
  'replicas',
  'health',
  'readinessTimeoutMs',
  'livenessIntervalMs',
  'stopGraceMs',
];

/** The id of a site: `service/environment`. */
export function siteId(service: string, environment: string): string {
  return `${service}/${environment}`;
}

/**
 * Checks a site's desired state and returns it frozen with defaults filled, or throws a DesiredError
 * listing every problem.
 *
 * @example validateSiteDesired({ service: 'checkout-api', environment: 'production', port: 4000, releases: [], weights: {} })
 */
export function validateSiteDesired(input: unknown): SiteDesired {
  const issues: string[] = [];
  const root = object(input, 'site', SITE_KEYS, issues);
  if (!root) throw new DesiredError(issues);

  name(root.service, 'service', issues);
  name(root.environment, 'environment', issues);
  port(root.port, 'port', issues);
  if (root.previewPort !== undefined) {
    port(root.previewPort, 'previewPort', issues);
    if (root.previewPort === root.port)
      issues.push(`previewPort must differ from port, got ${show(root.port)}`);
  }
  const releases = releasesOf(root.releases, issues);
  const versions = new Set(releases.map((r) => r.version));
  const weights = weightsOf(root.weights, versions, releases.length > 0, issues);

  const preview = root.preview ?? null;
  if (preview !== null && (typeof preview !== 'string' || !versions.has(preview))) {
    issues.push(`preview ${show(preview)} is not a release version (known: ${known(versions)})`);
  }
  if (preview !== null && root.previewPort === undefined) issues.push('preview needs previewPort');
  const match = root.match === undefined ? [] : rulesOf(root.match, versions, issues, 'a release version');
  if (root.addVersionHeader !== undefined && typeof root.addVersionHeader !== 'boolean') {
    issues.push(`addVersionHeader must be true or false, got ${show(root.addVersionHeader)}`);
  }
  const faults = root.faults === undefined ? {} : faultsOf(root.faults, versions, issues);

  if (issues.length > 0) throw new DesiredError(issues);
  return deepFreeze({
    service: root.service as string,
    environment: root.environment as string,
    port: root.port as number,
    ...(root.previewPort === undefined ? {} : { previewPort: root.previewPort as number }),
    releases,
    weights,
    preview: preview as string | null,
    match,
    addVersionHeader: (root.addVersionHeader as boolean | undefined) ?? true,
    faults,
  });
}

/** Checks a weights map against a site's releases; returns it frozen or throws a DesiredError. */
export function validateWeights(input: unknown, site: SiteDesired): Readonly<Record<string, number>> {
  const issues: string[] = [];
  const versions = new Set(site.releases.map((r) => r.version));
  const weights = weightsOf(input, versions, site.releases.length > 0, issues);
  if (issues.length > 0) throw new DesiredError(issues);
  return Object.freeze(weights);
}

/** Checks one version's fault spec (`null` clears); returns it frozen or throws a DesiredError. */
export function validateFaultSpec(input: unknown, version: string, site: SiteDesired): FaultSpec | null {
  const issues: string[] = [];
  if (!site.releases.some((r) => r.version === version)) {
    const versions = new Set(site.releases.map((r) => r.version));
    issues.push(`faults.${version} names no release version (known: ${known(versions)})`);
  }
  const spec = input === null ? null : faultOf(input, `faults.${version}`, issues);
  if (issues.length > 0) throw new DesiredError(issues);
  return spec;
}

function releasesOf(value: unknown, issues: string[]): ReleaseDesired[] {
  if (!Array.isArray(value)) {
    issues.push(`releases must be a list, got ${show(value)}`);
    return [];
  }
  const out: ReleaseDesired[] = [];
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const where = `releases[${i}]`;
    const r = object(item, where, RELEASE_KEYS, issues);
    if (!r) return;
    if (typeof r.version !== 'string' || !VERSION.test(r.version)) {
      issues.push(`${where}.version must match ${VERSION.source}, got ${show(r.version)}`);
    } else if (seen.has(r.version)) {
      issues.push(`${where}.version "${r.version}" appears more than once`);
    } else seen.add(r.version);
    integer(r.revision, `${where}.revision`, 0, Number.MAX_SAFE_INTEGER, issues);
    if (typeof r.command !== 'string' || !/\S/.test(r.command)) {
      issues.push(`${where}.command must be non-empty shell text, got ${show(r.command)}`);
    }
    if (typeof r.cwd !== 'string' || !isAbsolute(r.cwd)) {
      issues.push(`${where}.cwd must be an absolute path, got ${show(r.cwd)}`);
    }
    const env = object(r.env, `${where}.env`, undefined, issues);
    for (const [key, v] of Object.entries(env ?? {})) {
      if (!ENV_NAME.test(key)) issues.push(`${where}.env has an invalid name ${show(key)}`);
      else if (key === 'PORT' || key.startsWith('RUNWAY_')) {
        issues.push(`${where}.env.${key} is reserved (the agent sets PORT and RUNWAY_*)`);
      }
      if (typeof v !== 'string') issues.push(`${where}.env.${key} must be a string, got ${show(v)}`);
    }
    integer(r.replicas, `${where}.replicas`, 1, MAX_REPLICAS, issues);
    if (typeof r.health !== 'string' || !/^\/\S*$/.test(r.health)) {
      issues.push(`${where}.health must be a path starting with /, got ${show(r.health)}`);
    }
    for (const key of ['readinessTimeoutMs', 'livenessIntervalMs'] as const) {
      if (r[key] !== undefined) integer(r[key], `${where}.${key}`, 1, 3_600_000, issues);
    }
    if (r.stopGraceMs !== undefined) integer(r.stopGraceMs, `${where}.stopGraceMs`, 0, 600_000, issues);
    out.push(r as unknown as ReleaseDesired);
  });
  return out.map((r) => ({ ...r, env: { ...r.env } }));
}

function weightsOf(
  value: unknown,
  versions: ReadonlySet<string>,
  running: boolean,
  issues: string[],
): Record<string, number> {
  const weights = object(value, 'weights', undefined, issues);
  if (!weights) return {};
  let sum = 0;
  let valid = true;
  for (const [version, w] of Object.entries(weights)) {
    if (!versions.has(version)) {
      issues.push(`weights.${version} names no release version (known: ${known(versions)})`);
    }
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > WEIGHT_TOTAL) {
      issues.push(`weights.${version} must be an integer in 0..${WEIGHT_TOTAL} (per-mille), got ${show(w)}`);
      valid = false;
    } else sum += w;
  }
  if (valid && running && sum !== WEIGHT_TOTAL) {
    issues.push(`weights must sum to ${WEIGHT_TOTAL} (per-mille), got ${sum}`);
  }
  return { ...(weights as Record<string, number>) };
}

function faultsOf(
  value: unknown,
  versions: ReadonlySet<string>,
  issues: string[],
): Record<string, FaultSpec> {
  const faults = object(value, 'faults', undefined, issues);
  const out: Record<string, FaultSpec> = {};
  for (const [version, spec] of Object.entries(faults ?? {})) {
    if (!versions.has(version)) {
      issues.push(`faults.${version} names no release version (known: ${known(versions)})`);
    }
    const valid = faultOf(spec, `faults.${version}`, issues);
    if (valid) out[version] = valid;
  }
  return out;
}

function faultOf(value: unknown, where: string, issues: string[]): FaultSpec | null {
  const spec = object(value, where, undefined, issues);
  if (!spec) return null;
  try {
    validateFaults(spec as FaultSpec);
  } catch (err) {
    issues.push(`${where}: ${(err as Error).message.replace(/^invalid faults: /, '')}`);
    return null;
  }
  return Object.freeze({ ...(spec as FaultSpec) });
}

function object(
  value: unknown,
  where: string,
  keys: readonly string[] | undefined,
  issues: string[],
): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push(`${where} must be an object, got ${show(value)}`);
    return undefined;
  }
  for (const key of keys ? Object.keys(value) : []) {
    if (!keys?.includes(key)) issues.push(`${where} has unknown key "${key}" (expected ${keys?.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function name(value: unknown, where: string, issues: string[]): void {
  if (typeof value !== 'string' || !NAME.test(value)) {
    issues.push(`${where} must match ${NAME.source}, got ${show(value)}`);
  }
}

function port(value: unknown, where: string, issues: string[]): void {
  integer(value, where, 1, 65535, issues);
}

function integer(value: unknown, where: string, min: number, max: number, issues: string[]): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.push(`${where} must be an integer in ${min}..${max}, got ${show(value)}`);
  }
}

function known(versions: ReadonlySet<string>): string {
  return versions.size === 0 ? 'none' : [...versions].map((v) => `"${v}"`).join(', ');
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
