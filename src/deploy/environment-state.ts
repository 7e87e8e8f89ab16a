/*
 * Pure transitions of an environment's desired state: what the controller's intents mean for the
 * running set and the traffic split, and the site a data plane should converge to. Persisted with
 * the rollout state in one transaction, so a restarted control plane re-applies exactly this.
 */
import type { Action } from '../rollout/actions.ts';
import { isTerminal } from '../rollout/state.ts';
import { FULL_WEIGHT } from '../rollout/strategy.ts';
import type { RouteSite } from '../routers/router.ts';
import type { TargetSite } from '../targets/target.ts';
import type { EnvironmentRecord, ReleaseSpec, RolloutRecord } from './records.ts';
import { emptyHistory } from '../rollout/revisions.ts';

/** A new environment with nothing running. */
export function emptyEnvironment(
  service: string,
  environment: string,
  port: number,
  now: Date,
  previewPort?: number,
): EnvironmentRecord {
  return {
    service,
    environment,
    port,
    ...(previewPort === undefined ? {} : { previewPort }),
    running: {},
    weights: {},
    revisions: emptyHistory(service, environment),
    releases: {},
    updatedAt: now.toISOString(),
  };
}

/**
 * Applies a reconcile's intents to the environment: starts and stops versions, sets the split,
 * and when the rollout ends, makes the new version stable (completed) or forgets the rollout.
 * Scheduled stops (`at`) change nothing yet: reconcile issues them again when they are due.
 */
export function applyIntents(
  env: EnvironmentRecord,
  rollout: RolloutRecord,
  actions: readonly Action[],
  now: Date,
): EnvironmentRecord {
  const next: EnvironmentRecord = structuredClone(env);
  const specOf = (version: string): ReleaseSpec | undefined =>
    version === rollout.canary.version
      ? rollout.canary
      : version === rollout.stable?.version
        ? rollout.stable
        : env.releases[version];
  for (const action of actions) {
    switch (action.type) {
      case 'start-instances': {
        const spec = specOf(action.version);
        if (spec) next.running[action.version] = { ...spec, replicas: action.replicas };
        break;
      }
      case 'stop-instances':
        if (action.at === undefined) delete next.running[action.version];
        break;
      case 'set-weight':
        next.weights =
          action.stableVersion === action.canaryVersion
            ? { [action.canaryVersion]: FULL_WEIGHT }
            : {
                [action.stableVersion]: FULL_WEIGHT - action.canaryPerMille,
                [action.canaryVersion]: action.canaryPerMille,
              };
        break;
      case 'route-preview':
        if (action.version === null) delete next.preview;
        else next.preview = action.version;
        break;
      default:
        break;
    }
  }
  next.weights = normalizeWeights(next.weights, Object.keys(next.running), rollout);
  const { phase } = rollout.state;
  if (isTerminal(phase)) {
    if (next.rolloutId === rollout.id) delete next.rolloutId;
    if (phase === 'completed') next.stable = rollout.canary;
  } else {
    next.rolloutId = rollout.id;
  }
  next.updatedAt = now.toISOString();
  return next;
}

/**
 * Keeps only running versions; weight meant for a version that does not run goes to the one
 * that does (the first deploy has no stable to send 90% to). Sums to 1000 when anything runs.
 */
export function normalizeWeights(
  weights: Record<string, number>,
  running: readonly string[],
  rollout?: Pick<RolloutRecord, 'canary' | 'stable'>,
): Record<string, number> {
  if (running.length === 0) return {};
  const kept = Object.fromEntries(running.map((v) => [v, weights[v] ?? 0]));
  const missing = FULL_WEIGHT - Object.values(kept).reduce((a, b) => a + b, 0);
  if (missing > 0) {
    const heir =
      [rollout?.stable?.version, rollout?.canary.version].find(
        (v) => v !== undefined && running.includes(v) && (kept[v] ?? 0) > 0,
      ) ??
      [rollout?.stable?.version, rollout?.canary.version].find(
        (v) => v !== undefined && running.includes(v),
      ) ??
      running[0]!;
    kept[heir] = (kept[heir] ?? 0) + missing;
  }
  return Object.fromEntries(Object.entries(kept).filter(([, w]) => w > 0));
}

/** What the target should run and how the router should split traffic for this environment. */
export function siteOf(env: EnvironmentRecord): { target: TargetSite; routes: Omit<RouteSite, 'backends'> } {
  const site = { service: env.service, environment: env.environment };
  return {
    target: {
      ...site,
      releases: Object.values(env.running).map((r) => ({
        version: r.version,
        revision: r.revision,
        artifact: r.image ?? {
          type: 'process' as const,
          command: r.command,
          cwd: r.cwd,
          ...(r.digest === undefined ? {} : { digest: r.digest }),
        },
        env: r.env,
        replicas: r.replicas,
        health: r.health,
        ...(r.readinessTimeoutMs === undefined ? {} : { readinessTimeoutMs: r.readinessTimeoutMs }),
      })),
      faults: Object.fromEntries(Object.entries(env.faults ?? {}).filter(([v]) => v in env.running)),
    },
    routes: { ...site, routes: { weights: env.weights, preview: env.preview ?? null } },
  };
}
