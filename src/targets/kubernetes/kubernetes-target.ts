import type { KubeClient, KubeObject, ObjectCache } from './kube-client.ts';
import { KubeError } from './kube-client.ts';
import {
  FENCE_ANNOTATION,
  FENCE_MANAGER,
  fenceRecord,
  canaryDeployment,
  canaryName,
  canaryService,
  promotedStable,
  routeCanaryPerMille,
  scaledToZero,
  weightedRoute,
} from './manifests.ts';
import type { CanaryMatch, KubernetesPlacement } from './manifests.ts';
import { workloadHealth } from './workload-health.ts';
import type { WorkloadHealth } from './workload-health.ts';

/** The client calls the target makes (the whole KubeClient in production). */
export type TargetClient = Pick<
  KubeClient,
  'readDeployment' | 'readService' | 'readCustom' | 'apply' | 'watchDeployments' | 'watchPods'
>;

/** Which Deployment: the user's (stable) or Runway's canary beside it. */
export type Track = 'stable' | 'canary';

const HTTPROUTE = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

/** How often the fence record is tried again after a 409 (another control plane wrote the route). */
const FENCE_RETRIES = 3;

/** A write carrying an older lease token than the cluster has seen. */
export class StaleFenceError extends Error {
  constructor(fence: number, seen: number, where: string) {
    super(
      `refused: lease token ${fence} is older than ${seen}, which ${where} already carries (another control plane holds the lease)`,
    );
    this.name = 'StaleFenceError';
  }
}

/**
 * Runs a service's releases on Kubernetes beside an existing Deployment (Flagger's primary/canary
 * pattern, with the user's Deployment as the primary): the canary is its own Deployment and
 * Service, traffic is split by a Gateway API HTTPRoute, every write is a server-side apply with
 * Runway's field manager, and health is read from watched Deployment and Pod status.
 * The target keeps no state of its own: after a restart it reads where it was from the cluster.
 */
export class KubernetesTarget {
  readonly placement: KubernetesPlacement;
  readonly #client: TargetClient;
  readonly #canaryReplicas: number;
  #deployments: ObjectCache<KubeObject> | undefined;
  readonly #pods = new Map<Track, ObjectCache<KubeObject>>();
  #changes = 0;
  #wake: (() => void) | undefined;
  /** The lease token admitted last (carried by route applies), when writes are fenced. */
  #fence: number | undefined;

  constructor(placement: KubernetesPlacement, client: TargetClient, canaryReplicas = 1) {
    this.placement = placement;
    this.#client = client;
    this.#canaryReplicas = canaryReplicas;
  }

  /** Starts the canary: its Service, its Deployment running `image`, and the route at 0 %. */
  async startCanary(image: string): Promise<void> {
    const { namespace, deployment, service } = this.placement;
    const stable = await this.#client.readDeployment(namespace, deployment);
    const stableService = await this.#client.readService(namespace, service);
    // create the canary's service and deployment before any traffic can reach them
    await this.#client.apply(canaryService(stableService, stable, this.placement));
    await this.#client.apply(canaryDeployment(stable, this.placement, image, this.#canaryReplicas));
    await this.setWeight(0);
  }

  /**
   * Admits a write fenced by lease token `fence`, with the newest token kept in the cluster (the
   * site's HTTPRoute's `runway.dev/fence` annotation), not in this process: refused with
   * StaleFenceError when the route carries a newer one; a newer `fence` is recorded there first,
   * applied at the resourceVersion it was read at, so two control planes racing cannot both record
   * theirs (the loser's 409 makes it read again, and the check then refuses it). Every route apply
   * after it carries the token too, so a route write from an older lease holder that passed its
   * check just before is a field-manager conflict (409). A site without its route yet gets it
   * here, as the router's first write would make it (everything on stable), carrying the token.
   */
  async admit(fence: number): Promise<void> {
    const { namespace, route } = this.placement;
    for (let attempt = 0; ; attempt++) {
      let current: KubeObject;
      try {
        current = await this.#client.readCustom(HTTPROUTE, namespace, route.name);
      } catch (err) {
        if (!(err instanceof KubeError) || err.code !== 404 || attempt >= FENCE_RETRIES) throw err;
        // no route yet: create it as the router's first write would (everything on stable),
        // carrying the token, then read it back (a rival creating it at once is seen there)
        await this.#client.apply(weightedRoute(this.placement, 0, undefined, fence));
        continue;
      }
      const annotations = (current.metadata?.['annotations'] ?? {}) as Record<string, string>;
      const seen = Number(annotations[FENCE_ANNOTATION] ?? 0);
      if (fence < seen) throw new StaleFenceError(fence, seen, `HTTPRoute ${namespace}/${route.name}`);
      this.#fence = fence;
      if (fence === seen) return;
      const version = current.metadata?.['resourceVersion'];
      try {
        await this.#client.apply(fenceRecord(this.placement, fence, String(version)), true, FENCE_MANAGER);
        return;
      } catch (err) {
        if (!(err instanceof KubeError) || err.code !== 409 || attempt >= FENCE_RETRIES) throw err;
      }
    }
  }

  /** Sends `perMille` of requests to the canary, and matching requests (A/B) to it whatever the weight. */
  async setWeight(perMille: number, match?: CanaryMatch): Promise<void> {
    if (!Number.isInteger(perMille) || perMille < 0 || perMille > 1000) {
      throw new RangeError(`canary weight must be a whole per-mille 0..1000, got ${perMille}`);
    }
    await this.#client.apply(weightedRoute(this.placement, perMille, match, this.#fence));
  }

  /** The canary per-mille the cluster's HTTPRoute sends now (0 when Runway's route is absent). */
  async weight(): Promise<number> {
    const { namespace, route } = this.placement;
    try {
      const current = await this.#client.readCustom(HTTPROUTE, namespace, route.name);
      return routeCanaryPerMille(current, this.placement) ?? 0;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return 0;
      throw err;
    }
  }

  /** The health of a track, from the watched Deployment and its pods. */
  async health(track: Track): Promise<WorkloadHealth> {
    const deployments = this.#deploymentCache();
    await deployments.ready();
    const name = track === 'stable' ? this.placement.deployment : canaryName(this.placement.deployment);
    const deployment = deployments.list().find((d) => d.metadata?.name === name);
    if (deployment === undefined) return workloadHealth(undefined, []);
    const pods = this.#podCache(track, deployment);
    await pods.ready();
    return workloadHealth(deployment, pods.list());
  }

  /** Resolves when the track is ready, or rejects when it can never be (or after `timeoutMs`). */
  async waitReady(track: Track, timeoutMs: number): Promise<WorkloadHealth> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.#changes;
      const health = await this.health(track);
      if (health.ready) return health;
      if (health.failure !== undefined) throw new Error(`${track} never becomes ready: ${health.failure}`);
      if (health.crashLoop) throw new Error(`${track} is crash-looping (${health.restarts} restarts)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${track} not ready within ${timeoutMs} ms`);
      if (seen === this.#changes) await this.#nextChange(left);
    }
  }

  /**
   * Promotes `image`: the stable Deployment's pod template takes it, and once stable is ready
   * the route goes back to stable and the canary scales to zero.
   */
  async promote(image: string, timeoutMs: number): Promise<void> {
    const { namespace, deployment } = this.placement;
    // update stable's pod template
    const stable = await this.#client.readDeployment(namespace, deployment);
    await this.#client.apply(promotedStable(this.placement, stable, image), true);
    // wait for stable to roll out the new template
    await this.waitReady('stable', timeoutMs);
    // route back to stable, then retire the canary
    await this.setWeight(0);
    await this.#scaleCanaryToZero();
  }

  /** Rolls back: every request to stable first, then the canary scaled to zero. */
  async rollback(): Promise<void> {
    await this.setWeight(0);
    await this.#scaleCanaryToZero();
  }

  /** Stops watching. */
  close(): void {
    this.#deployments?.stop();
    for (const cache of this.#pods.values()) cache.stop();
  }

  async #scaleCanaryToZero(): Promise<void> {
    const { namespace, deployment } = this.placement;
    const stable = await this.#client.readDeployment(namespace, deployment);
    const canary = canaryDeployment(stable, this.placement, currentImage(this, stable), 0);
    await this.#client.apply(scaledToZero(this.placement, canary));
  }

  #deploymentCache(): ObjectCache<KubeObject> {
    if (this.#deployments === undefined) {
      this.#deployments = this.#client.watchDeployments(this.placement.namespace);
      this.#deployments.onChange(() => this.#changed());
    }
    return this.#deployments;
  }

  #podCache(track: Track, deployment: KubeObject): ObjectCache<KubeObject> {
    let cache = this.#pods.get(track);
    if (cache === undefined) {
      const labels =
        (deployment.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ??
        {};
      const selector = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      cache = this.#client.watchPods(this.placement.namespace, selector);
      cache.onChange(() => this.#changed());
      this.#pods.set(track, cache);
    }
    return cache;
  }

  #changed(): void {
    this.#changes += 1;
    this.#wake?.();
  }

  #nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

function currentImage(target: KubernetesTarget, stable: KubeObject): string {
  const containers = (
    stable.spec as { template: { spec: { containers: { name: string; image?: string }[] } } }
  ).template.spec.containers;
  const name = target.placement.container ?? containers[0]?.name;
  return containers.find((c) => c.name === name)?.image ?? '';
}
