/*
 * The kubernetes target as the rollout controller drives it: the Target contract over
 * KubernetesTarget. A site runs at most two releases: the one the user's Deployment (stable) runs,
 * and one canary beside it. `apply` maps the releases the controller wants onto the two tracks:
 * - a release on stable's image plus another one: the other runs as the canary Deployment;
 * - one release not on stable's image (a promotion, or a first deploy): stable's pod template takes
 *   its image, and once stable is ready the route goes back to stable and the canary scales to zero
 *   (Flagger's primary/canary promotion);
 * - one release on stable's image (a rollback, or nothing in progress): the canary scales to zero,
 *   after the controller has routed everything to stable.
 * Which release runs where is read from the cluster each time (the image of each Deployment), so a
 * restarted control plane finds the same answer. Stable's replica count stays the user's (or their
 * autoscaler's); the canary runs the release's replicas.
 */
import { pinnedImage } from '../image-reference.ts';
import { TargetError } from '../target.ts';
import type {
  Backend,
  ImageReference,
  InstanceHealth,
  ReleaseInstances,
  Target,
  TargetCapabilities,
  TargetSite,
} from '../target.ts';
import type { KubeObject } from './kube-client.ts';
import { KubernetesTarget, StaleFenceError } from './kubernetes-target.ts';
import type { TargetClient, Track } from './kubernetes-target.ts';
import { canaryDeployment, canaryName, canaryService } from './manifests.ts';
import type { KubernetesPlacement } from './manifests.ts';
import type { WorkloadHealth } from './workload-health.ts';

/** How long a promotion waits for stable to roll out the new template, unless the release says. */
const PROMOTION_TIMEOUT_MS = 10 * 60_000;

/** A Target over one Deployment, its canary beside it, and the HTTPRoute between them. */
export class KubernetesSiteTarget implements Target {
  readonly kind = 'kubernetes';
  readonly capabilities: TargetCapabilities = Object.freeze({
    faultInjection: false,
    preview: false,
    processes: false,
    images: true,
  });
  readonly placement: KubernetesPlacement;
  readonly cluster: KubernetesTarget;
  readonly #client: TargetClient;
  readonly #log: (line: string) => void;
  /** The pinned image of each version the controller named, by site. */
  readonly #images = new Map<string, Map<string, string>>();
  #fence = 0;

  constructor(placement: KubernetesPlacement, client: TargetClient, log: (line: string) => void = () => {}) {
    this.placement = placement;
    this.#client = client;
    this.#log = log;
    this.cluster = new KubernetesTarget(placement, client);
  }

  /**
   * Admits a write fenced by `fence` (lease token): refused when this process or the cluster (the
   * HTTPRoute's fence annotation, `KubernetesTarget.admit`) has seen a newer one.
   */
  async admit(fence: number): Promise<void> {
    if (fence < this.#fence) throw new TargetError(`stale fence ${fence}: ${this.#fence} was seen`);
    try {
      await this.cluster.admit(fence);
    } catch (err) {
      if (err instanceof StaleFenceError) throw new TargetError(err.message);
      throw err;
    }
    this.#fence = fence;
  }

  async apply(site: TargetSite, fence?: number): Promise<void> {
    // check the request
    if (fence !== undefined) await this.admit(fence);
    if (Object.keys(site.faults ?? {}).length > 0)
      throw new TargetError(
        'the kubernetes target cannot inject faults (rehearse rollbacks on a local target)',
      );
    const running = site.releases.filter((r) => r.replicas > 0);
    const images = new Map<string, string>();
    for (const r of site.releases) images.set(r.version, imageOf(r));
    if (running.length > 2)
      throw new TargetError(
        `the kubernetes target runs a stable and one canary release, not ${running.length} (${running.map((r) => r.version).join(', ')})`,
      );
    this.#images.set(siteId(site), images);

    const stable = await this.#client.readDeployment(this.placement.namespace, this.placement.deployment);
    const stableImage = containerImage(stable, this.placement.container);
    const onStable = running.filter((r) => imageOf(r) === stableImage);
    const beside = running.filter((r) => imageOf(r) !== stableImage);

    if (beside.length === 1 && onStable.length === 1) {
      // start (or scale) the canary beside stable
      await this.#runCanary(stable, beside[0]!);
      return;
    }
    if (beside.length === 1 && onStable.length === 0) {
      // promote: stable takes the image, then traffic back to stable, then the canary scales to zero
      const release = beside[0]!;
      this.#log(`${this.#where()}: promoting ${release.version} into ${this.placement.deployment}`);
      try {
        await this.cluster.promote(imageOf(release), release.readinessTimeoutMs ?? PROMOTION_TIMEOUT_MS);
      } catch (err) {
        // stable never became ready on the new image: traffic stays where it is, and the instances
        // report why (the controller judges them)
        this.#log(`${this.#where()}: ${release.version} not promoted: ${(err as Error).message}`);
      }
      return;
    }
    if (beside.length === 2) {
      throw new TargetError(
        `neither ${beside.map((r) => r.version).join(' nor ')} runs on ${this.placement.deployment}'s image: the kubernetes target keeps one release on stable`,
      );
    }
    // only stable's release (or nothing): retire the canary, once traffic has left it (a control
    // plane killed mid-promotion finds the route still on the canary: stable must be ready first)
    if ((await this.cluster.weight()) > 0) {
      const timeout = onStable[0]?.readinessTimeoutMs ?? PROMOTION_TIMEOUT_MS;
      await this.cluster.waitReady('stable', timeout);
      await this.cluster.setWeight(0);
    }
    await this.#retireCanary(stable);
  }

  async instances(service: string, environment: string): Promise<readonly InstanceHealth[] | undefined> {
    const images = this.#images.get(`${service}/${environment}`);
    if (images === undefined) return undefined;
    const out: InstanceHealth[] = [];
    for (const { version, track, health } of await this.#tracks(images)) {
      for (let index = 0; index < health.desired; index++)
        out.push({
          version,
          index: out.filter((i) => i.version === version).length,
          ready: index < health.readyReplicas && !health.crashLoop,
          crashLoop: health.crashLoop,
          restarts: health.restarts,
          state:
            health.failure ??
            (health.crashLoop ? 'CrashLoopBackOff' : index < health.readyReplicas ? 'Ready' : 'Pending'),
          address: `${track === 'stable' ? this.placement.service : canaryName(this.placement.service)}.${this.placement.namespace}.svc:${this.placement.port}`,
        });
    }
    return out;
  }

  /**
   * Readiness as the kubelet's probes report it in pod status: the control plane runs outside the
   * cluster network and does not reach pods itself.
   */
  async probe(service: string, environment: string, version: string): Promise<boolean | undefined> {
    try {
      const mine = ((await this.instances(service, environment)) ?? []).filter((i) => i.version === version);
      if (!mine.some((i) => i.ready)) return undefined;
      return mine.every((i) => i.ready);
    } catch {
      return undefined;
    }
  }

  /** The Service of each version's track, once that track is ready (what an HTTPRoute sends to). */
  async backends(service: string, environment: string): Promise<readonly Backend[]> {
    const images = this.#images.get(`${service}/${environment}`);
    if (images === undefined) return [];
    const out: Backend[] = [];
    for (const { version, track, health } of await this.#tracks(images)) {
      if (health.readyReplicas === 0 || health.crashLoop) continue;
      const name = track === 'stable' ? this.placement.service : canaryName(this.placement.service);
      out.push({ version, address: `${name}.${this.placement.namespace}.svc:${this.placement.port}` });
    }
    return out;
  }

  /** Which track runs each version the controller named, read from the cluster; undefined for an unknown site. */
  async versions(
    service: string,
    environment: string,
  ): Promise<{ version: string; track: Track }[] | undefined> {
    const images = this.#images.get(`${service}/${environment}`);
    if (images === undefined) return undefined;
    const { stable, canary } = await this.#deployedImages();
    const out: { version: string; track: Track }[] = [];
    for (const [version, image] of images) {
      if (image === stable) out.push({ version, track: 'stable' });
      else if (image === canary) out.push({ version, track: 'canary' });
    }
    return out;
  }

  /** The track (stable or canary) that serves `version` now, read from the cluster. */
  async trackOf(service: string, environment: string, version: string): Promise<Track | undefined> {
    const images = this.#images.get(`${service}/${environment}`);
    const image = images?.get(version);
    if (image === undefined) return undefined;
    const stable = await this.#client.readDeployment(this.placement.namespace, this.placement.deployment);
    if (containerImage(stable, this.placement.container) === image) return 'stable';
    return 'canary';
  }

  /** Stops watching the cluster. */
  close(): void {
    this.cluster.close();
  }

  async #runCanary(stable: KubeObject, release: ReleaseInstances): Promise<void> {
    const { namespace, service } = this.placement;
    const stableService = await this.#client.readService(namespace, service);
    await this.#client.apply(canaryService(stableService, stable, this.placement));
    await this.#client.apply(canaryDeployment(stable, this.placement, imageOf(release), release.replicas));
  }

  async #retireCanary(stable: KubeObject): Promise<void> {
    const { namespace, deployment } = this.placement;
    let canary: KubeObject;
    try {
      canary = await this.#client.readDeployment(namespace, canaryName(deployment));
    } catch (err) {
      if ((err as { code?: number }).code === 404) return;
      throw err;
    }
    if ((canary.spec as { replicas?: number }).replicas === 0) return;
    await this.#client.apply(
      canaryDeployment(stable, this.placement, containerImage(canary, this.placement.container) ?? '', 0),
    );
  }

  async #deployedImages(): Promise<{ stable: string | undefined; canary: string | undefined }> {
    const { namespace, deployment, container } = this.placement;
    const stable = containerImage(await this.#client.readDeployment(namespace, deployment), container);
    try {
      return {
        stable,
        canary: containerImage(
          await this.#client.readDeployment(namespace, canaryName(deployment)),
          container,
        ),
      };
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      return { stable, canary: undefined };
    }
  }

  async #tracks(
    images: Map<string, string>,
  ): Promise<{ version: string; track: Track; health: WorkloadHealth }[]> {
    const stable = await this.cluster.health('stable');
    const canary = await this.cluster.health('canary');
    const { stable: stableImage, canary: canaryImage } = await this.#deployedImages();
    const out: { version: string; track: Track; health: WorkloadHealth }[] = [];
    for (const [version, image] of images) {
      if (image === stableImage) out.push({ version, track: 'stable', health: stable });
      // a canary on stable's image is being retired after a promotion: its release is stable's now
      if (image === canaryImage && image !== stableImage && canary.desired > 0)
        out.push({ version, track: 'canary', health: canary });
    }
    return out;
  }

  #where(): string {
    return `${this.placement.namespace}/${this.placement.deployment}`;
  }
}

function siteId(site: { service: string; environment: string }): string {
  return `${site.service}/${site.environment}`;
}

function imageOf(release: ReleaseInstances): string {
  if (release.artifact.type !== 'image')
    throw new TargetError(
      `the kubernetes target runs OCI images, not process bundles (release ${release.version} has no image)`,
    );
  return pinnedImage(release.artifact as ImageReference);
}

/** The image of the container a release sets (the named one, else the first). */
export function containerImage(deployment: KubeObject, container: string | undefined): string | undefined {
  const containers =
    (deployment.spec as { template?: { spec?: { containers?: { name: string; image?: string }[] } } })
      ?.template?.spec?.containers ?? [];
  return (container === undefined ? containers[0] : containers.find((c) => c.name === container))?.image;
}
