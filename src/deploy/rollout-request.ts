/*
 * What a pipeline step (or a person) asks the control plane for: put a release of a service into
 * an environment, with a strategy. Validated field by field before anything is stored.
 */
import { NAME } from '../config/names.ts';
import { resolveStrategy } from '../rollout/resolve-strategy.ts';
import type { Strategy } from '../rollout/strategy.ts';
import type { DelegateSpec, ReleaseSpec } from './records.ts';
import { delegateProblem, IMAGE_BY_DIGEST } from '../rollout/delegated/delegate-spec.ts';
import { routerSpecProblem } from '../routers/kinds.ts';
import type { RouterSpec } from '../routers/kinds.ts';

/** A request to deploy or roll out a release. */
export interface RolloutRequest {
  service: string;
  environment: string;
  port: number;
  previewPort?: number;
  /** How the environment's traffic is split (the local Node router when absent). */
  router?: RouterSpec;
  release: Omit<ReleaseSpec, 'revision'>;
  /** A resolved strategy (JSON), or absent for a plain deploy (replace once healthy). */
  strategy?: unknown;
  analysis?: Record<string, unknown>;
  args?: Record<string, string>;
  /**
   * The environment's target when it does its own traffic (an Argo Rollout): the control plane sets
   * `release.image` there and follows it; `port` and the release's command are not used.
   */
  delegate?: DelegateSpec;
  /** Idempotency key: the same key returns the rollout it created. */
  key?: string;
  runId?: number;
  by?: string;
}

/** A field-level problem with a request. */
export interface RequestIssue {
  field: string;
  message: string;
}

/** A service or environment name, as a rollout request must give it (and runway.yaml, see names.ts). */
export { NAME };
/** A release version, as a rollout request must give it. */
export const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** Checks a request; every problem names its field. */
export function checkRolloutRequest(
  body: unknown,
): { ok: true; request: RolloutRequest; strategy?: Strategy } | { ok: false; issues: RequestIssue[] } {
  const issues: RequestIssue[] = [];
  const fail = (field: string, message: string) => issues.push({ field, message });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ field: '(body)', message: 'expected a JSON object' }] };
  }
  const b = body as Record<string, unknown>;
  if (typeof b['service'] !== 'string' || !NAME.test(b['service']))
    fail('service', 'expected a service name (lowercase letters, digits and -)');
  if (typeof b['environment'] !== 'string' || !NAME.test(b['environment']))
    fail('environment', 'expected an environment name (lowercase letters, digits and -)');
  const delegated = b['delegate'] !== undefined;
  if (delegated) {
    const problem = delegateProblem(b['delegate']);
    if (problem) fail('delegate', problem);
  }
  for (const key of ['port', 'previewPort'] as const) {
    const v = b[key];
    if ((v === undefined && key === 'previewPort') || (delegated && key === 'port')) continue;
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535)
      fail(key, 'expected a TCP port from 1 to 65535');
  }
  if (b['router'] !== undefined) {
    const problem = routerSpecProblem(b['router']);
    if (problem) fail('router', problem);
  }
  const r = b['release'];
  if (typeof r !== 'object' || r === null) {
    fail('release', 'expected {version, command, cwd, env, replicas, health}');
  } else {
    const rel = r as Record<string, unknown>;
    if (typeof rel['version'] !== 'string' || !VERSION.test(rel['version']))
      fail('release.version', 'expected a version such as 1.4.2 or a commit sha (letters, digits, . _ + -)');
    if (delegated) {
      if (typeof rel['image'] !== 'string' || !IMAGE_BY_DIGEST.test(rel['image']))
        fail('release.image', 'expected an image pinned by digest: REPOSITORY[:TAG]@sha256:<64 hex digits>');
    } else if (typeof rel['command'] !== 'string' || rel['command'].trim() === '')
      fail('release.command', 'expected the command that starts one instance');
    if (!delegated && (typeof rel['cwd'] !== 'string' || !rel['cwd'].startsWith('/')))
      fail('release.cwd', 'expected an absolute directory');
    if (
      !Number.isInteger(rel['replicas']) ||
      (rel['replicas'] as number) < 1 ||
      (rel['replicas'] as number) > 32
    )
      fail('release.replicas', 'expected an integer from 1 to 32');
    if (typeof rel['health'] !== 'string' || !rel['health'].startsWith('/'))
      fail('release.health', 'expected a path such as /health');
    const env = rel['env'];
    if (typeof env !== 'object' || env === null || Object.values(env).some((v) => typeof v !== 'string'))
      fail('release.env', 'expected an object of string values');
    else
      for (const k of Object.keys(env))
        if (k === 'PORT' || k.startsWith('RUNWAY_'))
          fail(`release.env.${k}`, 'is reserved: the data plane sets PORT and RUNWAY_* for each instance');
  }
  let strategy: Strategy | undefined;
  if (b['strategy'] !== undefined) {
    const res = resolveStrategy(b['strategy']);
    if (res.ok) strategy = res.strategy;
    else for (const i of res.issues) fail(i.path, i.message);
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, request: b as unknown as RolloutRequest, ...(strategy ? { strategy } : {}) };
}
