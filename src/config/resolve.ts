import { resolveTriggers } from '../triggers/triggers.ts';
import { parseDuration } from '../engine/duration.ts';
import { resolveVerifyPolicy } from '../gates/supply-chain/verify-policy.ts';
import { resolve as resolvePath } from 'node:path';
import {
  DEFAULT_CONCURRENCY,
  type Environment,
  type Pipeline,
  type Readiness,
  type Stage,
  type Step,
} from './pipeline.ts';
import type {
  Duration,
  EnvironmentConfig,
  PipelineConfig,
  ReadinessConfig,
  RetryConfig,
  RouterConfig,
  StageConfig,
} from './schema.ts';
import type { RouterSpec } from '../routers/kinds.ts';
import { resolveSubscriptions } from '../notify/subscription.ts';
import { assignStepIds } from './step-ids.ts';

/** Turns a validated config into the frozen Pipeline the engine runs. */
export function resolvePipeline(config: PipelineConfig, file: string, root: string): Pipeline {
  const defaults = config.defaults ?? {};
  const stages: Stage[] = topological(config).map((name) => {
    const stage = config.stages[name] as StageConfig;
    const ids = assignStepIds(stage.steps);
    const stageDir = stage['working-directory'] ?? defaults['working-directory'] ?? '.';
    const steps: Step[] = stage.steps.map((s, index) => {
      const id = ids[index] ?? `step-${index + 1}`;
      return {
        key: `${name}/${id}`,
        id,
        name: s.name ?? (s.uses ? `uses ${s.uses}` : firstLine(s.run ?? id)),
        index,
        ...(s.run !== undefined ? { run: s.run } : {}),
        ...(s.uses !== undefined ? { uses: s.uses } : {}),
        with: s.with ?? {},
        env: s.env ?? {},
        ...(s.if !== undefined ? { if: s.if } : {}),
        ...optionalMs('timeoutMs', s.timeout ?? defaults.timeout),
        retry: resolveRetry(s.retry ?? stage.retry ?? defaults.retry),
        continueOnError: s['continue-on-error'] ?? false,
        ...(s['warn-on-exit'] ? { warnOnExit: s['warn-on-exit'] } : {}),
        ...(s['warn-on-fail'] ? { warnOnFail: true } : {}),
        ...(s.rerun ? { rerun: s.rerun } : {}),
        workingDirectory: s['working-directory'] ?? stageDir,
      };
    });
    return {
      name,
      needs: needsOf(stage),
      ...(stage.if !== undefined ? { if: stage.if } : {}),
      env: stage.env ?? {},
      ...optionalMs('timeoutMs', stage.timeout),
      continueOnError: stage['continue-on-error'] ?? false,
      services: Object.entries(stage.services ?? {}).map(([svcName, svc]) => ({
        name: svcName,
        run: svc.run,
        env: svc.env ?? {},
        workingDirectory: svc['working-directory'] ?? stageDir,
        ready: resolveReadiness(svc.ready),
      })),
      steps,
    };
  });
  return deepFreeze({
    file,
    root,
    name: config.name ?? config.service?.name ?? 'pipeline',
    concurrency: config.concurrency ?? DEFAULT_CONCURRENCY,
    inheritEnv: config['inherit-env'] ?? [],
    env: config.env ?? {},
    secrets: config.secrets ?? {},
    ...(config.service ? { service: config.service } : {}),
    windows: config.windows ?? {},
    ...(config.on ? { on: resolveTriggers(config.on)! } : {}),
    roles: config.roles ?? {},
    analysis: config.analysis ?? {},
    notifications: resolveSubscriptions(config.notifications),
    environments: Object.fromEntries(
      Object.entries(config.environments ?? {}).map(([name, e]) => [
        name,
        {
          name,
          ...(e.verify ? { verify: resolveVerifyPolicy(e.verify, root) } : {}),
          router: resolveRouter(e.router, root, e.target.kind),
          target: resolveTarget(e.target, config, root),
        },
      ]),
    ),
    stages,
  });
}

function resolveRetry(retry: RetryConfig | undefined): { count: number; delayMs: number } {
  if (retry === undefined) return { count: 0, delayMs: 0 };
  if (typeof retry === 'number') return { count: retry, delayMs: 0 };
  return { count: retry.count, delayMs: retry.delay === undefined ? 0 : parseDuration(retry.delay) };
}

function resolveReadiness(ready: ReadinessConfig | undefined): Readiness {
  const timeoutMs = parseDuration(ready?.timeout ?? '30s');
  const intervalMs = parseDuration(ready?.interval ?? '100ms');
  if (ready?.tcp !== undefined) {
    const t = String(ready.tcp);
    return { kind: 'tcp', target: t.includes(':') ? t : `127.0.0.1:${t}`, timeoutMs, intervalMs };
  }
  if (ready?.http !== undefined) return { kind: 'http', target: ready.http, timeoutMs, intervalMs };
  if (ready?.run !== undefined) return { kind: 'run', target: ready.run, timeoutMs, intervalMs };
  return { kind: 'none', target: '', timeoutMs, intervalMs };
}

function optionalMs<K extends string>(key: K, value: Duration | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: parseDuration(value) } as Record<K, number>);
}

function needsOf(stage: StageConfig): string[] {
  if (stage.needs === undefined) return [];
  return typeof stage.needs === 'string' ? [stage.needs] : [...stage.needs];
}

/** Stage names ordered so each comes after its needs; file order breaks ties. */
function topological(config: PipelineConfig): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (name: string) => {
    if (done.has(name)) return;
    done.add(name);
    for (const need of needsOf(config.stages[name] as StageConfig)) visit(need);
    order.push(name);
  };
  for (const name of Object.keys(config.stages)) visit(name);
  return order;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The router of an environment: the local Node router unless runway.yaml names another. */
function resolveRouter(router: RouterConfig | undefined, root: string, targetKind: string): RouterSpec {
  if (router === undefined && targetKind === 'kubernetes') return { kind: 'gateway-api' };
  if (router === undefined || router.kind === 'local') return { kind: 'local' };
  if (router.kind === 'gateway-api') return { kind: 'gateway-api' };
  const api = router['runtime-api'];
  return {
    kind: 'haproxy',
    runtimeApi: /^[^/]+:\d+$/.test(api) ? api : resolvePath(root, api),
    backend: router.backend,
  };
}

/** The target of an environment, paths made absolute and defaults filled in. */
function resolveTarget(
  t: EnvironmentConfig['target'],
  config: PipelineConfig,
  root: string,
): Environment['target'] {
  const cluster = {
    ...(t.kind !== 'local' && t.kubeconfig !== undefined
      ? { kubeconfig: resolvePath(root, t.kubeconfig) }
      : {}),
    ...(t.kind !== 'local' && t.context !== undefined ? { context: t.context } : {}),
  };
  if (t.kind === 'kubernetes') {
    return {
      kind: 'kubernetes',
      ...cluster,
      namespace: t.namespace,
      deployment: t.deployment,
      ...(t.container === undefined ? {} : { container: t.container }),
      service: t.service,
      port: t.port,
      canaryReplicas: t['canary-replicas'] ?? 1,
      route: {
        name: t.route.name,
        gateway: t.route.gateway,
        ...(t.route['gateway-namespace'] === undefined
          ? {}
          : { gatewayNamespace: t.route['gateway-namespace'] }),
        ...(t.route.hostnames === undefined ? {} : { hostnames: t.route.hostnames }),
      },
    };
  }
  if (t.kind === 'argo-rollouts') {
    return {
      kind: 'argo-rollouts',
      ...cluster,
      namespace: t.namespace,
      rollout: t.rollout,
      ...(t.container === undefined ? {} : { container: t.container }),
    };
  }
  return {
    kind: 'local',
    command: t.command,
    port: t.port,
    ...(t['preview-port'] === undefined ? {} : { previewPort: t['preview-port'] }),
    replicas: t.replicas ?? 1,
    env: t.env ?? {},
    workingDirectory: resolvePath(
      root,
      t['working-directory'] ?? config.defaults?.['working-directory'] ?? '.',
    ),
    readyTimeoutMs: parseDuration(t['ready-timeout'] ?? '30s'),
  };
}
