/*
 * What a pipeline step (or a person) asks the control plane for: put a release of a service into
 * an environment, with a strategy. Validated field by field before anything is stored.
 */
import { NAME } from '../config/names.ts';
import { resolveStrategy } from '../rollout/resolve-strategy.ts';
import type { Strategy } from '../rollout/strategy.ts';
import type { ReleaseSpec } from './records.ts';
import { delegateProblem } from '../rollout/delegated/delegate-spec.ts';
import { ownsTraffic } from '../targets/kinds.ts';
import { routerSpecProblem } from '../routers/kinds.ts';
import type { RouterSpec } from '../routers/kinds.ts';
import { parseImageReference, pinnedImage } from '../targets/image-reference.ts';
import { targetSpecProblem } from '../targets/target-spec.ts';
import type { TargetSpec } from '../targets/registry.ts';

/** A request to deploy or roll out a release. */
export interface RolloutRequest {
  service: string;
  environment: string;
  port: number;
  previewPort?: number;
  /** How the environment's traffic is split (the local Node router when absent). */
  router?: RouterSpec;
  release: Omit<ReleaseSpec, 'revision'>;
  /** Where releases run, for a target other than local (a kubernetes target's resolved spec). */
  target?: TargetSpec;
  /** A resolved strategy (JSON), or absent for a plain deploy (replace once healthy). */
  strategy?: unknown;
  analysis?: Record<string, unknown>;
  args?: Record<string, string>;
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
  // a target that does its own traffic (an Argo Rollout) has no port of Runway's
  const delegated = ownsTraffic(b['target']);
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
  if (b['target'] !== undefined) {
    const problem = delegated ? delegateProblem(b['target']) : targetSpecProblem(b['target']);
    if (problem) fail('target', problem);
  }
  const r = b['release'];
  if (typeof r !== 'object' || r === null) {
    fail('release', 'expected {version, command, cwd, env, replicas, health}');
  } else {
    const rel = r as Record<string, unknown>;
    if (typeof rel['version'] !== 'string' || !VERSION.test(rel['version']))
      fail('release.version', 'expected a version such as 1.4.2 or a commit sha (letters, digits, . _ + -)');
    const image = rel['image'];
    if (image !== undefined) {
      const i = image as Record<string, unknown> | null;
      const parsed =
        typeof i === 'object' && i !== null && i['type'] === 'image' && typeof i['image'] === 'string'
          ? parseImageReference(`${i['image']}@${String(i['digest'])}`)
          : 'expected {type: "image", image, digest}';
      if (typeof parsed === 'string') fail('release.image', parsed);
      else if (
        pinnedImage(parsed) !== `${String(i!['image'])}@${String(i!['digest'])}` ||
        Object.keys(i!).length !== 3
      )
        fail('release.image', 'expected exactly {type: "image", image, digest}');
      if (rel['command'] !== '' || rel['cwd'] !== '')
        fail('release.command', 'an image release runs no command: expected command and cwd to be ""');
      if (b['target'] === undefined)
        fail('target', 'an image release needs the target that runs images (a kubernetes target)');
    } else {
      if (typeof rel['command'] !== 'string' || rel['command'].trim() === '')
        fail('release.command', 'expected the command that starts one instance');
      if (typeof rel['cwd'] !== 'string' || !rel['cwd'].startsWith('/'))
        fail('release.cwd', 'expected an absolute directory');
      if (b['target'] !== undefined)
        fail(
          'release.image',
          `a ${String((b['target'] as { kind?: unknown }).kind)} target runs images: expected release.image`,
        );
    }
    const most = image === undefined ? 32 : 100;
    if (
      !Number.isInteger(rel['replicas']) ||
      (rel['replicas'] as number) < 1 ||
      (rel['replicas'] as number) > most
    )
      fail('release.replicas', `expected an integer from 1 to ${most}`);
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
