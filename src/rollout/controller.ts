/*
 * The rollout controller loop: for each rollout, observe the target and the analysis, call
 * the pure `reconcile`, persist the next state and the environment it implies in one transaction,
 * then make the target and the router match (durable before done). Everything it acts on is re-derived from
 * the store, so a control plane killed at any moment continues where it was when it starts again.
 */
import type { Clock } from '../engine/clock.ts';
import type { Action, NotifyEvent } from './actions.ts';
import type { Observations } from './observations.ts';
import { reconcile } from './reconcile.ts';
import { isTerminal } from './state.ts';
import type { AnalysisPhase, Phase } from './state.ts';
import type { Routes } from '../routers/router.ts';
import { formatSplit, splitInForce } from '../routers/split.ts';
import { SoleOwnership, type Claim, type Ownership } from '../leases/ownership.ts';
import { LeaseLostError } from '../store/store.ts';
import type { Store } from '../store/store.ts';
import type { AnalysisDriver, AnalysisDriverFactory } from './analysis-driver.ts';
import { applyIntents, siteOf } from '../deploy/environment-state.ts';
import type { EnvironmentRecord, RolloutRecord } from '../deploy/records.ts';
import type { InstanceHealth } from '../targets/target.ts';
import type { PlacementOf } from './placements.ts';
import { Looks } from './looks.ts';
import { ownsTraffic } from '../targets/kinds.ts';

/** How the controller is wired. */
export interface ControllerOptions {
  store: Store;
  /** The target and router of each environment. */
  placementOf: PlacementOf;
  clock: Clock;
  /** One line per notable event (the server's log). */
  log: (line: string) => void;
  analysis?: AnalysisDriverFactory;
  /** How often an unfinished rollout is looked at (default 250 ms). */
  tickMs?: number;
  /** How often routers that use the target's backends are brought up to date with them (default 1000 ms). */
  backendSyncMs?: number;
  /** How often the new version's health is probed (default 1000 ms). */
  healthIntervalMs?: number;
  /** Which environments this control plane may act on (default: all of them, alone on its store). */
  ownership?: Ownership;
  /** Tells people about a rollout's notify intents (after they are persisted). */
  notify?: (rollout: RolloutRecord, event: NotifyEvent, detail: string) => void;
}

/** The outcome of one look at a rollout. */
export interface TickResult {
  rollout: RolloutRecord;
  /** Commands refused, by command id. */
  refused: Map<number, string>;
}

/** Drives every rollout in the store to its end. */
export class Controller {
  readonly #o: ControllerOptions;
  readonly #looks = new Looks(
    (id) => this.#tick(id),
    (id, err) => {
      this.#o.log(`rollout ${id}: ${(err as Error).message}`);
      this.schedule(id, 1000);
    },
  );
  /** Data-plane writes in flight by site, so they reach it in the order they were made. */
  readonly #siteChains = new Map<string, Promise<void>>();
  readonly #drivers = new Map<string, Promise<AnalysisDriver>>();
  readonly #lastProbeAt = new Map<string, number>();
  /** JSON of what the target, the router and the router's backends were last given, by site id. */
  readonly #applied = new Map<string, { target: string; routes: string; backends: string }>();
  readonly #own: Ownership;
  #scan: NodeJS.Timeout | undefined;
  #sync: NodeJS.Timeout | undefined;
  #syncing = false;
  #closed = false;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#own = options.ownership ?? new SoleOwnership();
  }

  /**
   * Converges the data plane to every stored environment it may act on and picks up unfinished
   * rollouts; on a shared store, looks again every so often for rollouts whose owner went away.
   */
  async start(): Promise<void> {
    const active = new Set<string>();
    for (const r of await this.#o.store.rollouts({ limit: 1000 })) {
      if (needsTicks(r)) {
        active.add(`${r.service}/${r.environment}`);
        this.schedule(r.id, 0);
      }
    }
    for (const env of await this.#o.store.environments()) {
      if (active.has(`${env.service}/${env.environment}`) || ownsTraffic(env.target)) continue;
      await this.converge(env)
        .then(() => this.#own.release(env.service, env.environment))
        .catch((err: unknown) =>
          this.#o.log(`cannot converge ${env.service}/${env.environment}: ${(err as Error).message}`),
        );
    }
    if (this.#own.shared) {
      this.#scan = setInterval(() => void this.#adopt(), this.#own.retryMs);
      this.#scan.unref();
    }
    this.#sync = setInterval(() => void this.#syncBackends(), this.#o.backendSyncMs ?? 1000);
    this.#sync.unref();
  }

  /** Routers that send traffic to the target's instances follow them as they come and go. */
  async #syncBackends(): Promise<void> {
    if (this.#syncing || this.#closed) return;
    this.#syncing = true;
    try {
      for (const env of await this.#o.store.environments()) {
        if (ownsTraffic(env.target) || !this.#o.placementOf(env).router.capabilities.backends) continue;
        // the environment as stored when its turn comes, never a copy a look has changed since
        await this.#onSite(env.service, env.environment, async () => {
          const now = await this.#o.store.getEnvironment(env.service, env.environment);
          if (now) await this.#converge(now, false);
        }).catch((err: unknown) =>
          this.#o.log(`${env.service}/${env.environment}: router: ${(err as Error).message}`),
        );
      }
    } catch (err) {
      this.#o.log(`cannot read environments: ${(err as Error).message}`);
    } finally {
      this.#syncing = false;
    }
  }

  /** Schedules the unfinished rollouts this instance is not looking at (started elsewhere, or orphaned). */
  async #adopt(): Promise<void> {
    const rollouts = await this.#o.store.rollouts({ limit: 200 }).catch(() => []);
    for (const r of rollouts) {
      if (needsTicks(r) && !this.#looks.known(r.id)) this.schedule(r.id, 0);
    }
  }

  /** The right to act on an environment now, if this control plane has it. */
  claim(service: string, environment: string): Promise<Claim | undefined> {
    return this.#own.claim(service, environment);
  }

  /**
   * Makes the data plane serve `env` as stored (idempotent; skipped when already applied), if this
   * control plane holds the environment; its lease token fences the write. Writes to one site go
   * out one at a time, in the order asked.
   */
  converge(env: EnvironmentRecord, force = false): Promise<void> {
    return this.#onSite(env.service, env.environment, () => this.#converge(env, force));
  }

  /**
   * Applies every environment again as the store holds it at the moment of applying (after the
   * data plane restarted), never a copy read before a concurrent change.
   */
  async reconvergeAll(): Promise<void> {
    for (const { service, environment, target } of await this.#o.store.environments()) {
      if (ownsTraffic(target)) continue;
      await this.#onSite(service, environment, async () => {
        const env = await this.#o.store.getEnvironment(service, environment);
        if (env) await this.#converge(env, true);
      });
    }
  }

  #onSite(service: string, environment: string, fn: () => Promise<void>): Promise<void> {
    const id = `${service}/${environment}`;
    const next = (this.#siteChains.get(id) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.#siteChains.set(id, next);
    return next;
  }

  async #converge(env: EnvironmentRecord, force: boolean): Promise<void> {
    const claim = await this.#own.claim(env.service, env.environment);
    const id = `${env.service}/${env.environment}`;
    if (!claim) {
      this.#applied.delete(id);
      return;
    }
    const { target, router } = this.#o.placementOf(env);
    const site = siteOf(env);
    const targetJson = JSON.stringify(site.target);
    const routesJson = JSON.stringify(site.routes);
    const last = this.#applied.get(id);
    const backends = router.capabilities.backends ? await target.backends(env.service, env.environment) : [];
    const backendsJson = JSON.stringify(backends);
    const targetChanged = force || last?.target !== targetJson;
    const routesChanged = force || last?.routes !== routesJson || last.backends !== backendsJson;
    if (!targetChanged && !routesChanged) return;
    // until this apply is through, what the data plane holds is unknown: the next one sends it all
    this.#applied.delete(id);
    const fence = claim.fence?.token;
    const setRoutes = () => router.setRoutes({ ...site.routes, backends }, fence);
    // traffic leaves instances before they stop, and reaches new ones only after they start
    const before = new Set(
      last ? (JSON.parse(last.target) as typeof site.target).releases.map((r) => r.version) : [],
    );
    const { weights, preview } = site.routes.routes;
    const onlyRunning =
      Object.entries(weights).every(([v, w]) => w === 0 || before.has(v)) &&
      (preview == null || before.has(preview));
    if (targetChanged && routesChanged && onlyRunning) {
      await setRoutes();
      await target.apply(site.target, fence);
    } else {
      if (targetChanged) await target.apply(site.target, fence);
      if (routesChanged) await setRoutes();
    }
    // the backends the router was given: a change the target makes later is routed on the next look
    const given = routesChanged ? backendsJson : (last?.backends ?? backendsJson);
    this.#applied.set(id, { target: targetJson, routes: routesJson, backends: given });
  }

  /** Looks at `rolloutId` after `delayMs`, in place of a look already scheduled. */
  schedule(rolloutId: string, delayMs: number): void {
    if (!this.#closed) this.#looks.schedule(rolloutId, delayMs);
  }

  /** One look at a rollout, serialized with every other look at it. */
  tick(rolloutId: string): Promise<TickResult | undefined> {
    return this.#looks.serialized(rolloutId, () => this.#tick(rolloutId));
  }

  /** Runs `fn` serialized with every look at the rollout (for changes made outside a look). */
  serialized<T>(rolloutId: string, fn: () => Promise<T>): Promise<T> {
    return this.#looks.serialized(rolloutId, fn);
  }

  /** Stops all timers and analysis (the data plane keeps serving). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#scan) clearInterval(this.#scan);
    if (this.#sync) clearInterval(this.#sync);
    await this.#looks.close();
    for (const d of this.#drivers.values()) (await d.catch(() => undefined))?.close();
    this.#drivers.clear();
  }

  /** The analysis measurements of a rollout's runs, for `rollout status`. */
  async explain(rollout: RolloutRecord): Promise<Record<string, unknown>> {
    const driver = this.#drivers.get(rollout.id);
    if (!driver) return {};
    const d = await driver;
    return Object.fromEntries(Object.keys(rollout.state.analysisRuns).map((id) => [id, d.explain(id)]));
  }

  async #tick(rolloutId: string): Promise<TickResult | undefined> {
    if (this.#closed) return undefined;
    const { store, clock } = this.#o;
    const rollout = await store.getRollout(rolloutId);
    // a target that does its own traffic is followed by src/rollout/delegated/
    if (!rollout || rollout.delegate) return undefined;
    // owner first: another control plane may be driving this environment
    const claim = await this.#own.claim(rollout.service, rollout.environment);
    if (!claim) return this.#standDown(rollout, false);
    const env = await store.getEnvironment(rollout.service, rollout.environment);
    if (!env)
      throw new Error(`environment ${rollout.service}/${rollout.environment} is missing from the store`);
    const pending = await store.pendingRolloutCommands(rolloutId);
    const { target } = this.#o.placementOf(env);
    const view = await target.instances(rollout.service, rollout.environment).catch((err: unknown) => {
      this.#o.log(`target unreachable: ${(err as Error).message}`);
      return null;
    });
    const driver = await this.#driverFor(rollout);
    const now = clock.now();
    const observations: Observations = {
      ...(await this.#observe(rollout, view, now, (version, path) =>
        target.probe(rollout.service, rollout.environment, version, path),
      )),
      analysis: driver ? analysisVerdicts(driver.verdicts(), rollout) : {},
      commands: pending.map((c) => c.command),
    };
    const result = reconcile(rollout.state, observations, now);
    const refused = matchRefusals(pending, result.errors);
    const reports = { ...rollout.reports };
    for (const id of Object.keys(observations.analysis)) {
      const report = reports[id] ? undefined : driver?.report(id);
      if (report) reports[id] = report;
    }
    const { dataPlane: _was, ...rest } = rollout;
    const dataPlane = dataPlaneAfter(rollout, result.next.phase);
    const nextRollout: RolloutRecord = {
      ...rest,
      state: result.next,
      ...(Object.keys(reports).length > 0 ? { reports } : {}),
      ...(dataPlane ? { dataPlane } : {}),
      updatedAt: now.toISOString(),
    };
    const nextEnv = applyIntents(env, nextRollout, result.actions, now);
    const changed =
      JSON.stringify(result.next) !== JSON.stringify(rollout.state) ||
      JSON.stringify(reports) !== JSON.stringify(rollout.reports ?? {}) ||
      JSON.stringify({ ...nextEnv, updatedAt: '' }) !== JSON.stringify({ ...env, updatedAt: '' }) ||
      pending.length > 0;
    if (changed) {
      try {
        await store.saveDeployment({
          environment: nextEnv,
          rollout: nextRollout,
          consumed: pending.map((c) => ({
            id: c.id,
            ...(refused.has(c.id) ? { error: refused.get(c.id)! } : {}),
          })),
          at: now.toISOString(),
          ...(claim.fence ? { fence: claim.fence } : {}),
        });
      } catch (err) {
        if (err instanceof LeaseLostError) return this.#standDown(rollout, true);
        throw err;
      }
      this.#report(rollout, nextRollout, result.actions, refused);
    }
    // traffic first: the target and the router follow the persisted environment
    await this.converge(nextEnv).catch((err: unknown) =>
      this.#o.log(`${rollout.service}/${rollout.environment}: data plane: ${(err as Error).message}`),
    );
    await this.#carryOutAnalysis(nextRollout, result.actions);
    // an ended rollout counts once the router itself reports its final split
    let settled = nextRollout;
    if (nextRollout.dataPlane === 'pending') {
      try {
        settled = await this.#confirm(nextRollout, claim);
      } catch (err) {
        if (err instanceof LeaseLostError) return this.#standDown(rollout, true);
        throw err;
      }
    }
    if (needsTicks(settled)) {
      const wake = result.nextAt ? result.nextAt.getTime() - clock.now().getTime() : Infinity;
      const every =
        isTerminal(settled.state.phase) && settled.dataPlane !== 'pending' ? 1000 : (this.#o.tickMs ?? 250);
      this.schedule(rolloutId, Math.min(wake, every));
    } else {
      await this.#retire(rolloutId);
      await this.#own.release(rollout.service, rollout.environment);
    }
    return { rollout: settled, refused };
  }

  /**
   * Reads the split in force back from the environment's router (never from memory): when it is the
   * stored one, the ended rollout is persisted as confirmed. Otherwise the next look applies the
   * environment again in full and reads once more.
   */
  async #confirm(rollout: RolloutRecord, claim: Claim): Promise<RolloutRecord> {
    const { store, clock } = this.#o;
    const id = `${rollout.service}/${rollout.environment}`;
    const env = await store.getEnvironment(rollout.service, rollout.environment);
    if (!env) return rollout;
    const { router } = this.#o.placementOf(env);
    let read: Routes | undefined;
    try {
      read = await router.getRoutes(rollout.service, rollout.environment);
    } catch (err) {
      this.#o.log(`${id}: cannot read the routes in force: ${(err as Error).message}`);
      return rollout;
    }
    if (!splitInForce(router, read, env.weights)) {
      this.#applied.delete(id);
      return rollout;
    }
    const at = clock.now().toISOString();
    const confirmed: RolloutRecord = { ...rollout, dataPlane: 'confirmed', updatedAt: at };
    await store.saveDeployment({ rollout: confirmed, at, ...(claim.fence ? { fence: claim.fence } : {}) });
    this.#o.log(`${id} ${rollout.id}: the router serves ${formatSplit(env.weights)}`);
    return confirmed;
  }

  /** Another control plane holds the rollout's environment: stop acting on it, look again later. */
  async #standDown(rollout: RolloutRecord, lost: boolean): Promise<undefined> {
    if (lost) {
      this.#own.lost(rollout.service, rollout.environment);
      this.#o.log(
        `${rollout.service}/${rollout.environment}: lease lost to another control plane; standing down`,
      );
    }
    this.#applied.delete(`${rollout.service}/${rollout.environment}`);
    await this.#retire(rollout.id);
    this.schedule(rollout.id, this.#own.retryMs);
    return undefined;
  }

  async #observe(
    rollout: RolloutRecord,
    view: readonly InstanceHealth[] | null | undefined,
    now: Date,
    probe: (version: string, path: string) => Promise<boolean | undefined>,
  ): Promise<Pick<Observations, 'canaryHealthy' | 'canaryReadyInstances' | 'crashLoop'>> {
    const { state } = rollout;
    if (!view) {
      return { canaryHealthy: undefined, canaryReadyInstances: state.canaryReadyInstances, crashLoop: false };
    }
    const canary = view.filter((i) => i.version === state.canary.version);
    const ready = canary.filter((i) => i.ready);
    const crashLoop = canary.some((i) => i.crashLoop);
    let canaryHealthy: boolean | undefined;
    const last = this.#lastProbeAt.get(rollout.id) ?? 0;
    const interval = this.#o.healthIntervalMs ?? 1000;
    if (
      !isTerminal(state.phase) &&
      state.canaryStartedAt &&
      ready.length > 0 &&
      now.getTime() - last >= interval
    ) {
      this.#lastProbeAt.set(rollout.id, now.getTime());
      canaryHealthy = await probe(state.canary.version, rollout.canary.health);
    }
    return { canaryHealthy, canaryReadyInstances: ready.length, crashLoop };
  }

  async #driverFor(rollout: RolloutRecord): Promise<AnalysisDriver | undefined> {
    const factory = this.#o.analysis;
    if (!factory) return undefined;
    if (Object.keys(rollout.state.analysisRuns).length === 0 && !this.#drivers.has(rollout.id))
      return undefined;
    let driver = this.#drivers.get(rollout.id);
    if (!driver) {
      driver = factory(rollout, () => this.schedule(rollout.id, 0));
      this.#drivers.set(rollout.id, driver);
    }
    return driver;
  }

  async #carryOutAnalysis(rollout: RolloutRecord, actions: readonly Action[]): Promise<void> {
    const wanted = actions.filter((a) => a.type === 'start-analysis' || a.type === 'stop-analysis');
    if (wanted.length === 0) return;
    const factory = this.#o.analysis;
    if (!factory) {
      this.#o.log(`rollout ${rollout.id}: analysis requested but no analysis engine is configured`);
      return;
    }
    let driver = this.#drivers.get(rollout.id);
    if (!driver) {
      driver = factory(rollout, () => this.schedule(rollout.id, 0));
      this.#drivers.set(rollout.id, driver);
    }
    const d = await driver;
    for (const a of wanted) {
      if (a.type === 'start-analysis') {
        d.start({
          runId: a.runId,
          templates: a.templates,
          args: rollout.args,
          ...(a.failureLimit === undefined ? {} : { failureLimit: a.failureLimit }),
          ...(a.intervalMs === undefined ? {} : { intervalMs: a.intervalMs }),
        });
      } else if (a.type === 'stop-analysis') {
        d.stop(a.runId);
      }
    }
  }

  #report(
    before: RolloutRecord,
    after: RolloutRecord,
    actions: readonly Action[],
    refused: Map<number, string>,
  ): void {
    const fresh = after.state.history.slice(before.state.history.length);
    for (const h of fresh)
      this.#o.log(`${after.service}/${after.environment} ${after.id}: ${h.event}: ${h.detail}`);
    for (const a of actions) {
      if (a.type !== 'notify') continue;
      this.#o.log(`notify ${a.event}: ${a.detail}`);
      this.#o.notify?.(after, a.event, a.detail);
    }
    for (const [id, error] of refused) this.#o.log(`command ${id} refused: ${error}`);
  }

  async #retire(rolloutId: string): Promise<void> {
    this.#lastProbeAt.delete(rolloutId);
    const driver = this.#drivers.get(rolloutId);
    this.#drivers.delete(rolloutId);
    if (driver) (await driver.catch(() => undefined))?.close();
  }
}

/**
 * Whether a rollout still has something to do: not finished, its final split not yet confirmed by
 * the router, or old instances to stop.
 */
export function needsTicks(r: RolloutRecord): boolean {
  // a target that does its own traffic is followed by src/rollout/delegated/
  if (r.delegate) return false;
  return !isTerminal(r.state.phase) || r.dataPlane === 'pending' || r.state.scaleDowns.some((d) => !d.done);
}

/** `pending` when a look ends the rollout, kept while it stays ended, dropped when it starts again (retry). */
function dataPlaneAfter(before: RolloutRecord, phase: Phase): RolloutRecord['dataPlane'] {
  if (!isTerminal(phase)) return undefined;
  return isTerminal(before.state.phase) ? before.dataPlane : 'pending';
}

function analysisVerdicts(
  verdicts: Record<string, AnalysisPhase>,
  rollout: RolloutRecord,
): Record<string, AnalysisPhase> {
  const known = rollout.state.analysisRuns;
  return Object.fromEntries(Object.entries(verdicts).filter(([id, v]) => id in known && v !== 'running'));
}

/** Pairs refused commands with their ids, in order. */
function matchRefusals(
  pending: readonly { id: number; command: string }[],
  errors: readonly { command: string; message: string }[],
): Map<number, string> {
  const out = new Map<number, string>();
  let i = 0;
  for (const c of pending) {
    const e = errors[i];
    if (e && e.command === c.command) {
      out.set(c.id, e.message);
      i++;
    }
  }
  return out;
}
