/*
 * The Target contract: where a release's instances run. The rollout controller tells a target which
 * releases of a service should run in an environment and how many instances of each (`apply`: start,
 * scale and stop in one idempotent call), asks how those instances are doing (`instances`, `probe`),
 * and hands a router the addresses its traffic goes to (`backends`). What an instance is — a process
 * group on this machine, a pod, a VM — stays inside the implementation: callers never see ports or
 * process ids, only versions, readiness and opaque `host:port` addresses. A release artifact is a
 * process bundle (a command in an immutable directory) or an OCI image reference pinned by digest.
 * Optional abilities (fault injection, a preview listener, the kinds of artifact it runs) are
 * readonly capability flags, so a caller asks instead of guessing. Every implementation runs
 * `targetContract` (src/targets/target.contract.ts); `NopTarget` is the one that runs nothing.
 */

/** How to run one instance of a release. */
export type ReleaseArtifact = ProcessBundle | ImageReference;

/** A command run in an (immutable) directory; it listens where the target tells it (`PORT`). */
export interface ProcessBundle {
  readonly type: 'process';
  readonly command: string;
  readonly cwd: string;
  /** sha256 of the bundle's tree, when the release has one. */
  readonly digest?: string;
}

/** An OCI image, pinned: `image` is the reference users read, `digest` what actually runs. */
export interface ImageReference {
  readonly type: 'image';
  /** For example `ghcr.io/acme/checkout-api:1.4.2`. */
  readonly image: string;
  /** `sha256:` followed by 64 hex digits. */
  readonly digest: string;
}

/** One release that should run, and how many instances of it. */
export interface ReleaseInstances {
  readonly version: string;
  readonly revision: number;
  readonly artifact: ReleaseArtifact;
  readonly env: Readonly<Record<string, string>>;
  /** 0 keeps the release known but runs nothing. */
  readonly replicas: number;
  /** HTTP path answering 2xx/3xx when an instance is healthy. */
  readonly health: string;
  readonly readinessTimeoutMs?: number;
}

/** Injected faults for a version (rollback rehearsals); needs `capabilities.faultInjection`. */
export interface FaultSpec {
  errorRatio?: number;
  latencyMs?: number;
  abortRatio?: number;
}

/** Everything that should run for one service in one environment. */
export interface TargetSite {
  readonly service: string;
  readonly environment: string;
  /** Exactly the releases that should run; any other release's instances are stopped. */
  readonly releases: readonly ReleaseInstances[];
  /** By version; refused by a target without `capabilities.faultInjection`. */
  readonly faults?: Readonly<Record<string, FaultSpec>>;
}

/** One instance as the target sees it. */
export interface InstanceHealth {
  readonly version: string;
  readonly index: number;
  /** Passed its readiness check and may take traffic. */
  readonly ready: boolean;
  /** Restarting too often (3 restarts in 5 minutes, or the platform's own back-off). */
  readonly crashLoop: boolean;
  readonly restarts: number;
  /** The target's own word for the state (`running`, `starting`, `CrashLoopBackOff`…), for people. */
  readonly state: string;
  /** Where it listens (`host:port`), for people; absent when the target does not say. */
  readonly address?: string;
}

/** Where a router can reach a version's ready instances. */
export interface Backend {
  readonly version: string;
  /** `host:port` or `[v6]:port`, reachable from the router. */
  readonly address: string;
}

/** Optional abilities of a target; a caller checks them instead of catching errors. */
export interface TargetCapabilities {
  /** Accepts `faults` (error ratio, latency, aborts) per version. */
  readonly faultInjection: boolean;
  /** Serves a preview version on a listener of its own (blue-green). */
  readonly preview: boolean;
  /** Runs `ProcessBundle` artifacts. */
  readonly processes: boolean;
  /** Runs `ImageReference` artifacts. */
  readonly images: boolean;
}

/**
 * A place where releases run. Every call is idempotent. A write with a `fence` (the control plane's
 * lease token) lower than one the target already saw is refused, so a control plane that lost its
 * lease cannot change anything.
 */
export interface Target {
  /** The `target.kind` of runway.yaml this implements. */
  readonly kind: string;
  readonly capabilities: TargetCapabilities;
  /** Starts, scales and stops instances until exactly `site.releases` run; resolves once accepted. */
  apply(site: TargetSite, fence?: number): Promise<void>;
  /** The instances of a site, or undefined when the target has never been given it. */
  instances(service: string, environment: string): Promise<readonly InstanceHealth[] | undefined>;
  /**
   * Probes `path` on every ready instance of `version` once: true when all answer 2xx/3xx, false when
   * one does not, undefined when none is ready. Never rejects.
   */
  probe(service: string, environment: string, version: string, path: string): Promise<boolean | undefined>;
  /** Addresses of the ready instances of every running version, for a router. */
  backends(service: string, environment: string): Promise<readonly Backend[]>;
}

/** Capabilities of a target that can do none of the optional things. */
export const NO_TARGET_CAPABILITIES: TargetCapabilities = Object.freeze({
  faultInjection: false,
  preview: false,
  processes: false,
  images: false,
});

/** The target that runs nothing: every site is empty, every probe finds no instance. */
export class NopTarget implements Target {
  readonly kind = 'none';
  readonly capabilities = NO_TARGET_CAPABILITIES;

  async apply(site: TargetSite): Promise<void> {
    if (site.releases.some((r) => r.replicas > 0))
      throw new TargetError(`the none target runs no instances (asked to run ${site.releases.length})`);
  }

  async instances(): Promise<readonly InstanceHealth[] | undefined> {
    return undefined;
  }

  async probe(): Promise<boolean | undefined> {
    return undefined;
  }

  async backends(): Promise<readonly Backend[]> {
    return [];
  }
}

/** A target refused a request (unsupported artifact or capability, stale fence, bad site). */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}
