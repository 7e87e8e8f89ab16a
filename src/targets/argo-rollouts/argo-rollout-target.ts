import type { CustomKind, KubeClient, KubeObject, ObjectCache } from '../kubernetes/kube-client.ts';
import { KubeError } from '../kubernetes/kube-client.ts';
import type { DelegatingTarget } from '../delegating.ts';
import { rolloutStatus } from './rollout-status.ts';
import type { RolloutPhase, RolloutStatus } from './rollout-status.ts';

/** The Rollout resource of Argo Rollouts. */
export const ROLLOUT: CustomKind = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' };

/** Which existing Rollout to drive, and which of its containers takes a release's image. */
export interface RolloutRef {
  readonly namespace: string;
  readonly rollout: string;
  /** Default: the first container of the pod template. */
  readonly container?: string;
}

/** The client calls this target makes. */
export type RolloutClient = Pick<
  KubeClient,
  'readCustom' | 'replaceCustom' | 'mergePatch' | 'watchCustom' | 'listReplicaSets' | 'jsonPatch'
>;

/** The annotation Argo Rollouts numbers a Rollout's ReplicaSets with. */
const REVISION = 'rollout.argoproj.io/revision';
/** The label Argo Rollouts adds to each ReplicaSet's pod template. */
const POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';

/** How often a set-image retries after a 409 (someone else wrote the Rollout between read and write). */
const CONFLICT_RETRIES = 3;

/**
 * Drives an existing Argo Rollout the way `kubectl argo rollouts` does: `set image` (read, change
 * the container's image, replace with the read resourceVersion), `promote` and `abort` as merge
 * patches on the status subresource and spec, and status read from the Rollout, followed by a watch.
 * Argo Rollouts does the traffic; Runway gates and judges around it.
 */
export class ArgoRolloutTarget implements DelegatingTarget {
  readonly ref: RolloutRef;
  readonly name: string;
  readonly #client: RolloutClient;
  #cache: ObjectCache<KubeObject> | undefined;
  #wake: (() => void) | undefined;
  #changes = 0;
  readonly #listeners: (() => void)[] = [];

  constructor(ref: RolloutRef, client: RolloutClient) {
    this.ref = ref;
    this.name = `${ref.namespace}/${ref.rollout}`;
    this.#client = client;
  }

  /** Sets the container's image (pinned by digest: `repo@sha256:…`); retries on a 409 conflict. */
  async setImage(image: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const rollout = await this.#client.readCustom(ROLLOUT, this.ref.namespace, this.ref.rollout);
      const changed = withImage(rollout, this.ref.container, image);
      if (changed === undefined) return;
      try {
        await this.#client.replaceCustom(ROLLOUT, changed);
        return;
      } catch (err) {
        if (!(err instanceof KubeError) || err.code !== 409 || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }

  /** The Rollout's status now: from the watch once it runs (unless `fresh`), else one read. */
  async status(fresh = false): Promise<RolloutStatus> {
    if (this.#cache !== undefined && !fresh) {
      await this.#cache.ready();
      const watched = this.#cache.list().find((r) => r.metadata?.name === this.ref.rollout);
      if (watched === undefined)
        throw new KubeError(404, 'NotFound', `rollouts.argoproj.io "${this.ref.rollout}" not found`);
      return rolloutStatus(watched, this.ref.container);
    }
    const rollout = await this.#client.readCustom(ROLLOUT, this.ref.namespace, this.ref.rollout);
    return rolloutStatus(rollout, this.ref.container);
  }

  /** Calls `listener` on every change the watch sees (and starts it). */
  onChange(listener: () => void): void {
    this.#watch();
    this.#listeners.push(listener);
  }

  /**
   * Follows the Rollout (list + watch) until its phase is one of `phases`; resolves with that
   * status, or rejects after `timeoutMs` with the last status seen.
   */
  async waitFor(phases: readonly RolloutPhase[], timeoutMs: number): Promise<RolloutStatus> {
    const cache = this.#watch();
    await cache.ready();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.#changes;
      const rollout = cache.list().find((r) => r.metadata?.name === this.ref.rollout);
      if (rollout === undefined)
        throw new Error(`rollout ${this.ref.namespace}/${this.ref.rollout} not found`);
      const current = rolloutStatus(rollout, this.ref.container);
      if (phases.includes(current.phase)) return current;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `rollout ${this.ref.rollout} still ${current.phase} after ${timeoutMs} ms: ${current.message}`,
        );
      }
      if (seen !== this.#changes) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  /**
   * Resumes a paused Rollout (`kubectl argo rollouts promote`): unpause the spec if a user paused
   * it, then clear the pause conditions (or, at a step without one, move to the next step).
   */
  async promote(full = false): Promise<void> {
    const rollout = await this.#client.readCustom(ROLLOUT, this.ref.namespace, this.ref.rollout);
    const spec = (rollout.spec ?? {}) as { paused?: boolean; strategy?: { canary?: { steps?: unknown[] } } };
    const status = (rollout.status ?? {}) as {
      pauseConditions?: unknown[] | null;
      currentStepIndex?: number;
      currentPodHash?: string;
      stableRS?: string;
    };
    if (full) {
      // `promote --full`: skip every remaining step and analysis
      if (status.currentPodHash !== status.stableRS)
        await this.#patchStatus({ status: { promoteFull: true } }, false);
      if (spec.paused === true)
        await this.#client.mergePatch(ROLLOUT, this.ref.namespace, this.ref.rollout, {
          spec: { paused: false },
        });
      return;
    }
    const steps = spec.strategy?.canary?.steps?.length ?? 0;
    const statusPatch =
      (status.pauseConditions ?? []).length > 0
        ? { status: { pauseConditions: null } }
        : spec.strategy?.canary !== undefined
          ? {
              status: {
                pauseConditions: null,
                currentStepIndex: Math.min((status.currentStepIndex ?? 0) + 1, steps),
              },
            }
          : undefined;
    if (statusPatch !== undefined) await this.#patchStatus(statusPatch, false);
    if (spec.paused === true) {
      await this.#client.mergePatch(ROLLOUT, this.ref.namespace, this.ref.rollout, {
        spec: { paused: false },
      });
    }
  }

  /** Aborts the update: Argo sends traffic back to stable and scales the canary down. */
  async abort(): Promise<void> {
    await this.#patchStatus({ status: { abort: true } }, true);
  }

  /** Pauses the update where it is (`kubectl argo rollouts pause`). */
  async pause(): Promise<void> {
    await this.#client.mergePatch(ROLLOUT, this.ref.namespace, this.ref.rollout, { spec: { paused: true } });
  }

  /**
   * Puts an earlier revision's pod template back, as `kubectl argo rollouts undo --to-revision`
   * does: the ReplicaSet the Rollout owns whose template runs `image` (the newest such revision;
   * without `image`, the second-highest revision, as plain `undo`), its template without the pod
   * template hash label, sent as a JSON patch replacing `/spec/template`. Throws when no such
   * ReplicaSet is left (`revisionHistoryLimit`).
   */
  async undo(image?: string): Promise<string> {
    const { namespace, rollout: name } = this.ref;
    const rollout = await this.#client.readCustom(ROLLOUT, namespace, name);
    const spec = rollout.spec as { selector?: { matchLabels?: Record<string, string> }; template: object };
    const uid = (rollout.metadata as { uid?: string }).uid;
    const selector = Object.entries(spec.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const owned = (await this.#client.listReplicaSets(namespace, selector)).filter((rs) =>
      ((rs.metadata?.['ownerReferences'] as { uid?: string; controller?: boolean }[] | undefined) ?? []).some(
        (o) => o.controller === true && o.uid === uid,
      ),
    );
    const byRevision = owned
      .map((rs) => ({
        template: (rs['spec'] as { template: PodTemplate }).template,
        revision: Number((rs.metadata?.['annotations'] as Record<string, string> | undefined)?.[REVISION]),
      }))
      .filter((x) => Number.isInteger(x.revision))
      .sort((a, b) => b.revision - a.revision);
    const chosen =
      image === undefined
        ? byRevision[1]
        : byRevision.find((x) => imageOf(x.template, this.ref.container) === image);
    if (chosen === undefined)
      throw new Error(
        image === undefined
          ? `no revision found for rollout ${JSON.stringify(name)}`
          : `no revision of rollout ${JSON.stringify(name)} runs ${image} any more`,
      );
    const template = structuredClone(chosen.template);
    delete template.metadata?.labels?.[POD_TEMPLATE_HASH];
    if (sameTemplate(spec.template, template))
      return `skipped rollback (current template already matches revision ${chosen.revision})`;
    await this.#client.jsonPatch(ROLLOUT, namespace, name, [
      { op: 'replace', path: '/spec/template', value: template },
    ]);
    return `restored the pod template of revision ${chosen.revision}`;
  }

  /** Clears an abort so the update runs again (`kubectl argo rollouts retry rollout`). */
  async retry(): Promise<void> {
    await this.#patchStatus({ status: { abort: false } }, true);
  }

  /** Stops watching. */
  close(): void {
    this.#cache?.stop();
  }

  async #patchStatus(body: object, fallbackOnAnyError: boolean): Promise<void> {
    const { namespace, rollout } = this.ref;
    try {
      await this.#client.mergePatch(ROLLOUT, namespace, rollout, body, 'status');
    } catch (err) {
      // a CRD without the status subresource (before v0.10) takes the same patch on the resource
      const notFound = err instanceof KubeError && err.code === 404;
      if (!fallbackOnAnyError && !notFound) throw err;
      await this.#client.mergePatch(ROLLOUT, namespace, rollout, body);
    }
  }

  #watch(): ObjectCache<KubeObject> {
    if (this.#cache === undefined) {
      this.#cache = this.#client.watchCustom(
        ROLLOUT,
        this.ref.namespace,
        `metadata.name=${this.ref.rollout}`,
      );
      this.#cache.onChange(() => {
        this.#changes += 1;
        this.#wake?.();
        for (const l of this.#listeners) l();
      });
    }
    return this.#cache;
  }
}

function withImage(
  rollout: KubeObject,
  container: string | undefined,
  image: string,
): KubeObject | undefined {
  const spec = rollout.spec as { template: { spec: { containers: { name: string; image?: string }[] } } };
  const containers = spec.template.spec.containers;
  const name = container ?? containers[0]?.name;
  const target = containers.find((c) => c.name === name);
  if (target === undefined) throw new Error(`unable to find container named ${JSON.stringify(name)}`);
  if (target.image === image) return undefined;
  return {
    ...rollout,
    spec: {
      ...(rollout.spec as object),
      template: {
        ...spec.template,
        spec: {
          ...spec.template.spec,
          containers: containers.map((c) => (c.name === name ? { ...c, image } : c)),
        },
      },
    },
  };
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { name: string; image?: string }[] };
}

function imageOf(template: PodTemplate, container: string | undefined): string | undefined {
  const containers = template.spec?.containers ?? [];
  return (container === undefined ? containers[0] : containers.find((c) => c.name === container))?.image;
}

/** Whether two pod templates are the same, the pod template hash label aside. */
function sameTemplate(a: object, b: object): boolean {
  const strip = (t: object): string => {
    const copy = structuredClone(t) as { metadata?: { labels?: Record<string, string> } };
    delete copy.metadata?.labels?.[POD_TEMPLATE_HASH];
    return JSON.stringify(sortKeys(copy));
  };
  return strip(a) === strip(b);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
