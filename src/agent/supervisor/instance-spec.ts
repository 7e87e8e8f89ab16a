import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { DEFAULT_RESTART_POLICY, restartPolicyProblems } from './policy.ts';
import type { RestartPolicy } from './policy.ts';

/** The release an instance runs. */
export interface ReleaseRef {
  readonly version: string;
  /** Content digest of the release artifact, `sha256:<hex>`. */
  readonly digest?: string;
}

/** How the supervisor decides an instance is ready to take traffic. */
export interface ReadinessProbe {
  readonly intervalMs: number;
  /** How long after its start the instance may take to become ready before it counts as failed. */
  readonly timeoutMs: number;
  /** Probes in a row that must succeed. */
  readonly successThreshold: number;
}

/** How the supervisor decides a ready instance is still alive. */
export interface LivenessProbe {
  readonly intervalMs: number;
  /** Probes in a row that must fail before the instance is restarted. */
  readonly failureThreshold: number;
}

/** One instance of a release of a service, fully resolved: what to run and how to watch it. */
export interface InstanceSpec {
  readonly service: string;
  readonly release: ReleaseRef;
  /** Which replica of the release this is, from 0. */
  readonly index: number;
  /** Shell text from the pipeline author, run with `bash -c` like a step. */
  readonly command: string;
  /** Absolute working directory. */
  readonly cwd: string;
  /** The complete environment; nothing is inherited. `PORT` is added from `port`. */
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  /** Probed as `http://127.0.0.1:<port><healthPath>`; status 200..399 passes. */
  readonly healthPath: string;
  readonly readiness: ReadinessProbe;
  readonly liveness: LivenessProbe;
  /** Time between SIGTERM and SIGKILL when the instance is stopped or restarted. */
  readonly stopGraceMs: number;
  /** Absolute path of the log file; stdout and stderr are appended to it. */
  readonly logPath: string;
  /** How long one probe may take. */
  readonly probeTimeoutMs: number;
  readonly restart: RestartPolicy;
  /** Secret values masked in the log file. */
  readonly secrets: readonly string[];
}

/** An instance spec as callers write it: optional fields take the defaults below. */
export type InstanceSpecInput = Omit<
  InstanceSpec,
  'index' | 'readiness' | 'liveness' | 'stopGraceMs' | 'probeTimeoutMs' | 'restart' | 'secrets'
> & {
  readonly index?: number;
  readonly readiness?: Partial<ReadinessProbe>;
  readonly liveness?: Partial<LivenessProbe>;
  readonly stopGraceMs?: number;
  readonly probeTimeoutMs?: number;
  readonly restart?: Partial<RestartPolicy>;
  readonly secrets?: readonly string[];
};

/** Readiness defaults: probe every half second, for up to a minute, one success is enough. */
export const DEFAULT_READINESS: ReadinessProbe = Object.freeze({
  intervalMs: 500,
  timeoutMs: 60_000,
  successThreshold: 1,
});

/** Liveness defaults: every 10 seconds; 3 consecutive failures (the seeds) restart the instance. */
export const DEFAULT_LIVENESS: LivenessProbe = Object.freeze({ intervalMs: 10_000, failureThreshold: 3 });

/** Default time between SIGTERM and SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/** Default time one health probe may take. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1000;

/** An instance spec that cannot be used; the message lists every problem. */
export class InstanceSpecError extends Error {
  readonly problems: readonly string[];

  constructor(key: string, problems: string[]) {
    super(`invalid instance spec ${key}: ${problems.join('; ')}`);
    this.name = 'InstanceSpecError';
    this.problems = problems;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const DIGEST = /^[a-z0-9]+:[0-9a-f]{32,}$/;
const ENV_NAME = /^[^=\0]+$/;

/**
 * Fills defaults, validates and freezes a spec; throws an InstanceSpecError listing every problem.
 * @example resolveInstanceSpec({ service: 'checkout-api', release: { version: '1.4.0' }, port: 4000, … })
 */
export function resolveInstanceSpec(input: InstanceSpecInput): InstanceSpec {
  const spec: InstanceSpec = {
    service: input.service,
    release: input.release.digest
      ? { version: input.release.version, digest: input.release.digest }
      : { version: input.release.version },
    index: input.index ?? 0,
    command: input.command,
    cwd: input.cwd,
    env: { ...input.env },
    port: input.port,
    healthPath: input.healthPath,
    readiness: { ...DEFAULT_READINESS, ...input.readiness },
    liveness: { ...DEFAULT_LIVENESS, ...input.liveness },
    stopGraceMs: input.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
    logPath: input.logPath,
    probeTimeoutMs: input.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    restart: { ...DEFAULT_RESTART_POLICY, ...input.restart },
    secrets: [...(input.secrets ?? [])],
  };
  const problems = specProblems(spec);
  if (problems.length > 0) throw new InstanceSpecError(instanceKey(spec), problems);
  return deepFreeze(spec);
}

function specProblems(spec: InstanceSpec): string[] {
  const problems: string[] = [];
  const need = (field: string, value: unknown, ok: boolean, expected: string) => {
    if (!ok) problems.push(`${field} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
  };
  const text = (v: unknown, re: RegExp) => typeof v === 'string' && re.test(v);
  const int = (v: number, min: number, max = Infinity) => Number.isInteger(v) && v >= min && v <= max;
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const { release, readiness, liveness } = spec;
  need('service', spec.service, text(spec.service, NAME), 'a name like checkout-api');
  need('release.version', release.version, text(release.version, VERSION), 'a version like 1.4.0');
  need(
    'release.digest',
    release.digest,
    release.digest === undefined || text(release.digest, DIGEST),
    'like sha256:<hex>',
  );
  need('index', spec.index, int(spec.index, 0), 'an integer >= 0');
  need('command', spec.command, text(spec.command, /\S/), 'non-empty shell text');
  need('cwd', spec.cwd, typeof spec.cwd === 'string' && isAbsolute(spec.cwd), 'an absolute path');
  need('port', spec.port, int(spec.port, 1, 65535), 'an integer 1..65535');
  for (const [name, value] of Object.entries(spec.env)) {
    need(`env.${name}`, value, ENV_NAME.test(name) && typeof value === 'string', 'a string');
  }
  const port = String(spec.port);
  need('env.PORT', spec.env.PORT, spec.env.PORT === undefined || spec.env.PORT === port, `absent or ${port}`);
  need('healthPath', spec.healthPath, text(spec.healthPath, /^\//), 'a path starting with /');
  need('readiness.intervalMs', readiness.intervalMs, positive(readiness.intervalMs), '> 0');
  need('readiness.timeoutMs', readiness.timeoutMs, positive(readiness.timeoutMs), '> 0');
  need(
    'readiness.successThreshold',
    readiness.successThreshold,
    int(readiness.successThreshold, 1),
    'an integer >= 1',
  );
  need('liveness.intervalMs', liveness.intervalMs, positive(liveness.intervalMs), '> 0');
  need(
    'liveness.failureThreshold',
    liveness.failureThreshold,
    int(liveness.failureThreshold, 1),
    'an integer >= 1',
  );
  need('stopGraceMs', spec.stopGraceMs, Number.isFinite(spec.stopGraceMs) && spec.stopGraceMs >= 0, '>= 0');
  need(
    'logPath',
    spec.logPath,
    typeof spec.logPath === 'string' && isAbsolute(spec.logPath),
    'an absolute path',
  );
  need('probeTimeoutMs', spec.probeTimeoutMs, positive(spec.probeTimeoutMs), '> 0');
  need(
    'secrets',
    spec.secrets,
    spec.secrets.every((v) => typeof v === 'string'),
    'a list of strings',
  );
  problems.push(...restartPolicyProblems(spec.restart));
  return problems;
}

/** The key of an instance: `service/version/index`. */
export function instanceKey(spec: Pick<InstanceSpec, 'service' | 'release' | 'index'>): string {
  return `${spec.service}/${spec.release.version}/${spec.index}`;
}

/** Whether two resolved specs describe the same instance run the same way (env order ignored). */
export function sameSpec(a: InstanceSpec, b: InstanceSpec): boolean {
  return canonical(a) === canonical(b);
}

/** A digest of everything that decides how an instance runs: equal for specs `sameSpec` calls equal. */
export function specFingerprint(spec: InstanceSpec): string {
  return createHash('sha256').update(canonical(spec)).digest('hex');
}

/** The environment the process gets: exactly the spec's env plus `PORT`. */
export function processEnv(spec: InstanceSpec): Record<string, string> {
  return { ...spec.env, PORT: String(spec.port) };
}

/**
 * The variables that tell a process which release it is; callers merge them into `env`.
 * @example releaseVariables('checkout-api', { version: '1.4.0' }, 0) // { RUNWAY_SERVICE: 'checkout-api', … }
 */
export function releaseVariables(
  service: string,
  release: ReleaseRef,
  index: number,
): Record<string, string> {
  return {
    RUNWAY_SERVICE: service,
    RUNWAY_RELEASE_VERSION: release.version,
    ...(release.digest ? { RUNWAY_RELEASE_DIGEST: release.digest } : {}),
    RUNWAY_INSTANCE_INDEX: String(index),
  };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
