/*
 * `runway serve` assembled: the store, the data-plane agent (started if it is not running), the
 * rollout controller, the SLO sampler and the HTTP API. Killing this process at any moment loses
 * nothing: the agent keeps serving the last routes, and the next start continues every rollout
 * from the store (the sampler's history only has a gap, reported as such).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { ensureAgent } from '../agent/launch.ts';
import type { Clock } from '../engine/clock.ts';
import { formatDuration } from '../engine/duration.ts';
import { systemClock } from '../engine/clock.ts';
import type { AnalysisDriverFactory } from '../rollout/analysis-driver.ts';
import { Controller } from '../rollout/controller.ts';
import { DelegatedController } from '../rollout/delegated/delegated-controller.ts';
import { createDelegatingTarget } from '../targets/delegating-registry.ts';
import { placements, routerCounts, siteViews } from '../rollout/placements.ts';
import type { PlacementOf } from '../rollout/placements.ts';
import { Deployments } from '../deploy/deployments.ts';
import { SloSampler } from '../gates/slo/sampler.ts';
import type { SamplerOptions } from '../gates/slo/sampler.ts';
import type { Ownership } from '../leases/ownership.ts';
import { StoreLeases } from '../leases/store-leases.ts';
import type { Calendar } from '../gates/windows/calendar.ts';
import { PrometheusProvider } from '../analysis/providers/prometheus.ts';
import { PrometheusCounts } from '../interop/argo/prometheus-counts.ts';
import type { Store } from '../store/store.ts';
import type { RouterCounts } from './analysis-factory.ts';
import type { Hono } from 'hono';
import { startApi } from './api.ts';
import type { ApiEnv } from './app.ts';
import { NOP_RUN_STARTER, type RunStarter } from '../triggers/run-starter.ts';
import { Scheduler } from '../triggers/scheduler.ts';
import type { Triggers } from '../triggers/triggers.ts';
import { RolloutNotifications } from '../notify/rollout-events.ts';
import { clearServerInfo, ensureToken, serverFiles, writeServerInfo } from './discovery.ts';

/** How to start a control plane. */
export interface ControlPlaneOptions {
  dataDir: string;
  store: Store;
  port?: number;
  log: (line: string) => void;
  clock?: Clock;
  /** Builds the analysis engine of a rollout (given the routers' counts for the built-in provider). */
  analysis?: (counts: RouterCounts) => AnalysisDriverFactory;
  tickMs?: number;
  healthIntervalMs?: number;
  /** Where notification secrets are read from (default: this process's environment). */
  env?: Readonly<Record<string, string | undefined>>;
  /** How every environment's request counters are sampled for SLOs (default every 10 s, kept 35 days). */
  sampling?: Pick<SamplerOptions, 'intervalMs' | 'retentionMs' | 'fullResolutionMs' | 'compactEveryMs'>;
  /** Deployment windows by name, for the Flagger and Argo Rollouts gates (default: the presets). */
  calendars?: Readonly<Record<string, Calendar>>;
  /** Prometheus's address, where the Argo judge may also read its counts (`source=prometheus`). */
  prometheus?: string;
  /** Mounts routes outside `/v1` on the API's Hono app (the dashboard under `/ui`); see `AppOptions.mount`. */
  mount?: (app: Hono<ApiEnv>) => void;
  /** What starts runs: `on:` of the served pipeline, the webhook secret and how runs start. */
  triggers?: { on: Triggers | undefined; starter: RunStarter; secret: string | undefined };
}

/**
 * Alone on an embedded store, a control plane owns every environment; on a shared store (several
 * control planes on one PostgreSQL) each environment is a lease it must hold to act.
 */
function ownershipFor(store: Store, clock: Clock): Ownership | undefined {
  if (store.kind === 'sqlite') return undefined;
  const holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  return new StoreLeases({ store, clock, holder });
}

/** A running control plane. */
export interface ControlPlane {
  url: string;
  token: string;
  agentPid: number;
  controller: Controller;
  /** The target and router of each environment. */
  placementOf: PlacementOf;
  deployments: Deployments;
  /** Samples the data plane's counters into the store, for `GET /v1/slo/…`. */
  sampler: SloSampler;
  /** Stops the API, the sampler and the controller; the agent keeps serving. */
  close(): Promise<void>;
}

/** Starts everything `runway serve` runs and writes `server.json` once it listens. */
export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = o.clock ?? systemClock;
  const token = ensureToken(o.dataDir);
  const files = serverFiles(o.dataDir);
  const agent = await ensureAgent(files.agentDir);
  o.log(`data plane agent ${agent.started ? 'started' : 'already running'} (pid ${agent.pid})`);
  let client = agent.client;
  const placementOf = placements({ log: o.log, agent: () => client });
  const counts = routerCounts(o.store, placementOf);
  const sampler = new SloSampler({ store: o.store, counters: counts, clock, log: o.log, ...o.sampling });
  const ownership = ownershipFor(o.store, clock);
  if (ownership)
    o.log(`shared ${o.store.kind} store: acting on environments as lease holder ${ownership.holder}`);
  const notifications = new RolloutNotifications({ store: o.store, clock, env: o.env ?? process.env });
  const controller = new Controller({
    ...(ownership ? { ownership } : {}),
    store: o.store,
    placementOf,
    clock,
    log: o.log,
    notify: (rollout, event, detail) => notifications.notify(rollout, event, detail),
    ...(o.analysis ? { analysis: o.analysis(counts) } : {}),
    ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
    ...(o.healthIntervalMs === undefined ? {} : { healthIntervalMs: o.healthIntervalMs }),
  });
  const delegated = new DelegatedController({
    ...(ownership ? { ownership } : {}),
    store: o.store,
    clock,
    log: o.log,
    targetOf: createDelegatingTarget,
    notify: (rollout, event, detail) => notifications.notify(rollout, event, detail),
  });
  const deployments = new Deployments({ store: o.store, controller, clock, delegated });
  await controller.start();
  await delegated.start();
  let server: Server;
  let url: string;
  try {
    ({ server, url } = await startApi(
      {
        store: o.store,
        deployments,
        controller,
        site: siteViews(o.store, placementOf),
        clock,
        token,
        log: o.log,
        samples: { maxGapMs: sampler.maxGapMs, retentionMs: sampler.retentionMs },
        ...(o.calendars ? { calendars: o.calendars } : {}),
        counts,
        ...(o.triggers ? { triggers: { ...o.triggers, log: o.log } } : {}),
        ...(o.mount ? { mount: o.mount } : {}),
        ...(o.prometheus
          ? {
              prometheusCounts: new PrometheusCounts(new PrometheusProvider({ address: o.prometheus }), () =>
                clock.now(),
              ),
            }
          : {}),
      },
      o.port ?? 0,
    ));
  } catch (err) {
    await controller.close();
    await delegated.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new Error(`port ${o.port} is already in use on 127.0.0.1; choose another with --port`);
    throw err;
  }
  writeServerInfo(o.dataDir, { url, pid: process.pid, startedAt: clock.now().toISOString() });
  sampler.start();
  const scheduler = new Scheduler({
    schedules: o.triggers?.on?.schedule ?? [],
    starter: o.triggers?.starter ?? NOP_RUN_STARTER,
    clock,
    log: o.log,
  });
  scheduler.start();
  o.log(`sampling request counters for SLOs every ${formatDuration(sampler.intervalMs)}`);

  // the agent is a separate process: if it dies, start it again (it re-reads its desired state), then
  // apply every environment again, and again on the next check until that has gone through
  let agentPid = agent.pid;
  let checking = false;
  let reapply = false;
  const watchdog = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      const up = await client.health().then(
        () => true,
        () => false,
      );
      if (!up) {
        o.log('data plane agent is not answering; starting it again');
        for (const r of await o.store.rollouts({ active: true }))
          notifications.dataPlaneLost(
            r,
            'the data plane agent stopped answering; the control plane starts it again',
          );
        const again = await ensureAgent(files.agentDir);
        agentPid = again.pid;
        client = again.client;
        reapply = true;
      }
      if (reapply) {
        await controller.reconvergeAll();
        reapply = false;
      }
    })()
      .catch((err: unknown) =>
        o.log(`cannot restart the data plane agent or apply its routes: ${(err as Error).message}`),
      )
      .finally(() => (checking = false));
  }, 2000);
  watchdog.unref();

  return {
    url,
    token,
    get agentPid() {
      return agentPid;
    },
    controller,
    placementOf,
    deployments,
    sampler,
    async close() {
      clearInterval(watchdog);
      await scheduler.close();
      await sampler.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await controller.close();
      await delegated.close();
      await notifications.flush();
      clearServerInfo(o.dataDir, process.pid);
    },
  };
}
