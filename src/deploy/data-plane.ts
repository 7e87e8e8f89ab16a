/*
 * The contract between the control plane and a data plane: where instances of releases run and
 * how traffic is split between them. The local agent (src/agent) implements it over HTTP; a
 * Kubernetes target would implement it with Deployments and Gateway API routes.
 */

/** One version to run in a site. */
export interface SiteRelease {
  version: string;
  revision: number;
  command: string;
  cwd: string;
  env: Record<string, string>;
  replicas: number;
  health: string;
  readinessTimeoutMs?: number;
}

/** Everything a data plane needs to serve one service in one environment. */
export interface SiteSpec {
  service: string;
  environment: string;
  port: number;
  previewPort?: number;
  releases: SiteRelease[];
  /** Per-mille by version; versions must be among `releases`. */
  weights: Record<string, number>;
  preview?: string | null;
  faults?: Record<string, FaultSpec>;
}

/** One instance as the data plane sees it. */
export interface InstanceView {
  version: string;
  index: number;
  port: number;
  ready: boolean;
  crashLoop: boolean;
  restarts: number;
  state: string;
}

/** What a data plane reports about a site. */
export interface SiteView {
  instances: InstanceView[];
  /** Weights actually in force, by version. */
  weights: Record<string, number>;
}

/**
 * A place where releases run and traffic is split. Every call is idempotent. A write with a
 * `fence` (the control plane's lease token) lower than one the site already saw is refused, so a
 * control plane that lost its lease cannot change anything.
 */
export interface DataPlane {
  applySite(spec: SiteSpec, fence?: number): Promise<void>;
  /** Changes only the split; must take effect before it resolves. */
  setWeights(
    service: string,
    environment: string,
    weights: Record<string, number>,
    fence?: number,
  ): Promise<void>;
  site(service: string, environment: string): Promise<SiteView | undefined>;
}

/** Injected faults for a version (rollback rehearsals). */
export interface FaultSpec {
  errorRatio?: number;
  latencyMs?: number;
  abortRatio?: number;
}
