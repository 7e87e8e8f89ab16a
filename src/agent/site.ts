import { join } from 'node:path';
import type { Clock } from '../engine/clock.ts';
import { systemClock } from '../engine/clock.ts';
import type { SiteDesired } from './desired.ts';
import { siteId } from './desired.ts';
import { PortInUseError } from './errors.ts';
import type { RequestMetrics } from './metrics/request-metrics.ts';
import { WeightedProxy } from './router/proxy.ts';
import type { Routes } from './router/routes.ts';
import { previewRoutes, siteRoutes, type RoutableInstance } from './routing.ts';
import { probeHealth, type ProbeResult } from './supervisor/health-probe.ts';
import { releaseVariables, specFingerprint, type InstanceSpecInput } from './supervisor/instance-spec.ts';
import type { InstanceEvent, InstanceState, LastExit } from './supervisor/instance-status.ts';
import { Supervisor } from './supervisor/supervisor.ts';

/** One instance as the agent reports it. */
export interface InstanceView {
  readonly key: string;
  readonly version: string;
  readonly revision: number | null;
  readonly index: number;
  readonly port: number;
  readonly pid: number | null;
  readonly state: InstanceState;
  /** In the routes: READY, and not failing its probes (fewer than 2 in a row). */
  readonly ready: boolean;
  /** null before the first probe of the current process. */
  readonly lastProbeOk: boolean | null;
  /** Probes (readiness or liveness) that failed in a row for the current process. */
  readonly consecutiveFailures: number;
  readonly restarts: number;
  readonly crashLoop: boolean;
  readonly lastExit: LastExit | null;
}

/** What the agent says about one site. */
export interface SiteStatus {
  readonly id: string;
  readonly desired: SiteDesired;
  /** The routes in force on the public port; null while no version with weight has a ready instance. */
  readonly routes: Routes | null;
  /** The routes in force on the preview port, if it has one. */
  readonly previewRoutes: Routes | null;
  readonly instances: readonly InstanceView[];
  /** Why the site is not fully served (e.g. its port was taken while the agent restarted). */
  readonly error: string | null;
}

/** What a site needs from its agent. */
export interface SiteOptions {
  readonly metrics: RequestMetrics;
  /** Instance logs go to `<logDir>/<service>/<environment>/<version>-<index>.log`. */
  readonly logDir: string;
  readonly onInstanceEvent: (site: string, event: InstanceEvent) => void;
  readonly clock?: Clock;
}

/** The listeners a site needs for a desired state, opened before anything is committed. */
export interface Listeners {
  readonly proxy: WeightedProxy;
  readonly preview: WeightedProxy | undefined;
  /** Those opened for this change (to close if it is abandoned). */
  readonly opened: readonly WeightedProxy[];
}

/** How often a starting instance is probed. */
export const READINESS_INTERVAL_MS = 100;
/** Failed probes in a row that take a READY instance out of the routes (one is a blip; the 3rd restarts it). */
export const UNROUTE_AFTER_FAILURES = 2;
const DRAIN_LIMIT_MS = 5000;

interface ProbeRecord {
  ok: boolean | null;
  failures: number;
}

interface OpenProxy {
  readonly port: number;
  readonly proxy: WeightedProxy;
}

/**
 * One service in one environment at run time: its supervisor, its public (and preview) router, and
 * the readiness that decides the routes. Routes are recomputed on every readiness change.
 */
export class Site {
  readonly id: string;
  #desired: SiteDesired;
  #ports: Readonly<Record<string, number>>;
  #public: OpenProxy | undefined;
  #preview: OpenProxy | undefined;
  #error: string | null = null;
  #closed = false;
  readonly #options: SiteOptions;
  readonly #supervisor: Supervisor;
  readonly #ready = new Set<string>();
  readonly #probes = new Map<number, ProbeRecord>();
  readonly #faulted = new Set<string>();

  constructor(desired: SiteDesired, ports: Readonly<Record<string, number>>, options: SiteOptions) {
    this.id = siteId(desired.service, desired.environment);
    this.#desired = desired;
    this.#ports = ports;
    this.#options = options;
    this.#supervisor = new Supervisor({
      clock: options.clock ?? systemClock,
      onEvent: this.#onEvent,
      probe: this.#probe,
      drain: (key) => this.#drain(key),
    });
  }

  get desired(): SiteDesired {
    return this.#desired;
  }

  get ports(): Readonly<Record<string, number>> {
    return this.#ports;
  }

  /** Ports this site's routers listen on now. */
  listeningPorts(): number[] {
    return [this.#public?.port, this.#preview?.port].filter((p): p is number => p !== undefined);
  }

  /** Opens the routers `desired` needs that are not open yet; throws PortInUseError and opens nothing. */
  async openListeners(desired: SiteDesired): Promise<Listeners> {
    const opened: WeightedProxy[] = [];
    const open = async (port: number, current: OpenProxy | undefined) => {
      if (current?.port === port) return current.proxy;
      const proxy = await this.#listen(port, opened);
      opened.push(proxy);
      return proxy;
    };
    const proxy = await open(desired.port, this.#public);
    const preview =
      desired.previewPort === undefined ? undefined : await open(desired.previewPort, this.#preview);
    return { proxy, preview, opened };
  }

  /**
   * Makes `desired` the site's state with the routers from openListeners: swaps routers, sets faults
   * and routes at once. Returns the routers no longer used, for the caller to close.
   */
  commit(
    desired: SiteDesired,
    ports: Readonly<Record<string, number>>,
    listeners: Listeners,
  ): WeightedProxy[] {
    const retired: WeightedProxy[] = [];
    const swap = (
      current: OpenProxy | undefined,
      proxy: WeightedProxy | undefined,
      port: number | undefined,
    ) => {
      if (current && current.proxy !== proxy) retired.push(current.proxy);
      return proxy === undefined || port === undefined ? undefined : { port, proxy };
    };
    this.#public = swap(this.#public, listeners.proxy, desired.port);
    this.#preview = swap(this.#preview, listeners.preview, desired.previewPort);
    this.#desired = desired;
    this.#ports = ports;
    this.#error = null;
    this.#applyFaults();
    this.refresh();
    return retired;
  }

  /** Marks the site as not served (its listeners could not be opened); the instances still run. */
  fail(message: string): void {
    this.#error = message;
  }

  /** Changes only the desired state's routing fields: routes and faults take effect before it returns. */
  update(desired: SiteDesired): void {
    this.#desired = desired;
    this.#applyFaults();
    this.refresh();
  }

  /**
   * Converges the site's instances to its desired state (resolves once they are started or stopped).
   * `adopt` maps instance keys to process groups a previous agent left running for them.
   */
  async converge(adopt?: ReadonlyMap<string, number>): Promise<void> {
    if (this.#closed) return;
    await this.#supervisor.ensure(this.specs(), adopt);
    this.refresh();
  }

  /** The fingerprint of the spec an instance runs with now (see specFingerprint), by key. */
  fingerprintOf(key: string): string | null {
    const spec = this.#supervisor.specOf(key);
    return spec ? specFingerprint(spec) : null;
  }

  /** The instance specs of the desired state: every release × replica, on the allocated ports. */
  specs(): InstanceSpecInput[] {
    return instanceSpecs(this.#desired, this.#ports, this.#options.logDir);
  }

  /** Recomputes the routes from the instances that can take traffic now and installs them if they changed. */
  refresh(): void {
    if (this.#closed) return;
    const routable = this.#routable();
    install(this.#public?.proxy, siteRoutes(this.#desired, routable));
    install(this.#preview?.proxy, previewRoutes(this.#desired, routable));
  }

  /** A snapshot of the site. */
  status(): SiteStatus {
    const revisions = new Map(this.#desired.releases.map((r) => [r.version, r.revision]));
    const instances = this.#supervisor.status().map((s): InstanceView => {
      const probe = this.#probes.get(s.port) ?? { ok: null, failures: 0 };
      return {
        key: s.key,
        version: s.version,
        revision: revisions.get(s.version) ?? null,
        index: s.index,
        port: s.port,
        pid: s.pid,
        state: s.state,
        ready: this.#isRoutable(s.key, s.port),
        lastProbeOk: probe.ok,
        consecutiveFailures: probe.failures,
        restarts: s.restarts,
        crashLoop: s.crashLooping,
        lastExit: s.lastExit,
      };
    });
    return {
      id: this.id,
      desired: this.#desired,
      routes: this.#public?.proxy.getRoutes() ?? null,
      previewRoutes: this.#preview?.proxy.getRoutes() ?? null,
      instances,
      error: this.#error,
    };
  }

  /** Stops taking traffic at once, then stops every instance; resolves when all are gone. */
  async stop(graceMs = 1000): Promise<void> {
    this.#closed = true;
    const proxies = [this.#public?.proxy, this.#preview?.proxy].filter((p) => p !== undefined);
    const closing = proxies.map((p) => p.close(graceMs));
    this.#public = undefined;
    this.#preview = undefined;
    await this.#supervisor.stopAll();
    await Promise.all(closing);
  }

  async #listen(port: number, opened: WeightedProxy[]): Promise<WeightedProxy> {
    const proxy = new WeightedProxy({
      metrics: this.#options.metrics,
      environment: this.#desired.environment,
    });
    try {
      await proxy.listen(port);
      return proxy;
    } catch (err) {
      await Promise.all([proxy, ...opened].map((p) => p.close(0).catch(() => undefined)));
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new PortInUseError(port);
      throw new PortInUseError(port, code ?? (err as Error).message);
    }
  }

  #applyFaults(): void {
    const faults = this.#desired.faults;
    const proxies = [this.#public?.proxy, this.#preview?.proxy].filter((p) => p !== undefined);
    const versions = new Set([...this.#faulted, ...Object.keys(faults)]);
    for (const version of versions) {
      for (const p of proxies) p.setFaults(version, faults[version]);
    }
    this.#faulted.clear();
    for (const version of Object.keys(faults)) this.#faulted.add(version);
  }

  #routable(): RoutableInstance[] {
    return this.#supervisor
      .status()
      .filter((s) => this.#isRoutable(s.key, s.port))
      .map((s) => ({ version: s.version, index: s.index, port: s.port }));
  }

  #isRoutable(key: string, port: number): boolean {
    return this.#ready.has(key) && (this.#probes.get(port)?.failures ?? 0) < UNROUTE_AFTER_FAILURES;
  }

  readonly #onEvent = (event: InstanceEvent): void => {
    const port = this.#portOf(event.key);
    if (event.type === 'ready') this.#ready.add(event.key);
    else this.#ready.delete(event.key);
    if ((event.type === 'starting' || event.type === 'adopted') && port !== undefined)
      this.#probes.delete(port);
    this.refresh();
    this.#options.onInstanceEvent(this.id, event);
  };

  readonly #probe = async (url: string, timeoutMs: number): Promise<ProbeResult> => {
    const result = await probeHealth(url, timeoutMs);
    const port = Number(new URL(url).port);
    const failing = (r: ProbeRecord | undefined) => (r?.failures ?? 0) >= UNROUTE_AFTER_FAILURES;
    const before = this.#probes.get(port);
    const after = { ok: result.ok, failures: result.ok ? 0 : (before?.failures ?? 0) + 1 };
    this.#probes.set(port, after);
    if (failing(before) !== failing(after)) this.refresh();
    return result;
  };

  async #drain(key: string): Promise<void> {
    this.#ready.delete(key);
    this.refresh();
    const port = this.#portOf(key);
    if (port === undefined) return;
    const target = `127.0.0.1:${port}`;
    const clock = this.#options.clock ?? systemClock;
    const deadline = clock.now().getTime() + DRAIN_LIMIT_MS;
    const proxies = () => [this.#public?.proxy, this.#preview?.proxy].filter((p) => p !== undefined);
    while (proxies().some((p) => p.openPools().includes(target)) && clock.now().getTime() < deadline) {
      await clock.sleep(20);
    }
  }

  #portOf(key: string): number | undefined {
    const instance = this.#supervisor.status().find((s) => s.key === key);
    return instance?.port;
  }
}

/**
 * The instance specs of a desired state: every release × replica on its port from `ports`
 * (`version/index` → port), with the release variables, `RUNWAY_ENVIRONMENT` and `RUNWAY_RELEASE_REVISION`.
 */
export function instanceSpecs(
  desired: SiteDesired,
  ports: Readonly<Record<string, number>>,
  logDir: string,
): InstanceSpecInput[] {
  const { service, environment, releases } = desired;
  return releases.flatMap((r) =>
    Array.from({ length: r.replicas }, (_, index) => ({
      service,
      release: { version: r.version },
      index,
      command: r.command,
      cwd: r.cwd,
      env: {
        ...r.env,
        ...releaseVariables(service, { version: r.version }, index),
        RUNWAY_ENVIRONMENT: environment,
        RUNWAY_RELEASE_REVISION: String(r.revision),
      },
      port: ports[`${r.version}/${index}`] as number,
      healthPath: r.health,
      logPath: join(logDir, service, environment, `${r.version}-${index}.log`),
      readiness: {
        intervalMs: READINESS_INTERVAL_MS,
        ...(r.readinessTimeoutMs === undefined ? {} : { timeoutMs: r.readinessTimeoutMs }),
      },
      ...(r.livenessIntervalMs === undefined ? {} : { liveness: { intervalMs: r.livenessIntervalMs } }),
      ...(r.stopGraceMs === undefined ? {} : { stopGraceMs: r.stopGraceMs }),
    })),
  );
}

function install(proxy: WeightedProxy | undefined, routes: Routes | undefined): void {
  if (!proxy) return;
  if (!routes) {
    if (proxy.getRoutes()) proxy.clearRoutes();
    return;
  }
  if (JSON.stringify(proxy.getRoutes()) !== JSON.stringify(normalise(routes))) proxy.setRoutes(routes);
}

function normalise(routes: Routes): Routes {
  return JSON.parse(JSON.stringify(routes)) as Routes;
}
