import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ListWatch,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

/** A Kubernetes object as sent or read: apiVersion, kind, metadata and the rest. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [key: string]: unknown;
}

/** A failed API call: the HTTP code and the `Status` reason and message the server gave. */
export class KubeError extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeError';
    this.code = code;
    this.reason = reason;
  }
}

/** A custom resource's coordinates (group, version, plural). */
export interface CustomKind {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** A watched set of objects kept current by list + watch (re-listed when the watch expires). */
export interface ObjectCache<T> {
  list(): T[];
  /** Resolves after the first list, or rejects when it fails. */
  ready(): Promise<void>;
  onChange(listener: () => void): void;
  stop(): void;
}

/** Where to find the cluster: a kubeconfig file and context, else the usual defaults. */
export interface ClusterOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** The Kubernetes calls Runway makes, over `@kubernetes/client-node`. */
export class KubeClient {
  readonly fieldManager: string;
  readonly #config: KubeConfig;
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #batch: BatchV1Api;
  readonly #custom: CustomObjectsApi;

  constructor(options: ClusterOptions = {}, fieldManager = 'runway') {
    const config = new KubeConfig();
    if (options.kubeconfig !== undefined) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
    if (options.context !== undefined) config.setCurrentContext(options.context);
    this.#config = config;
    this.fieldManager = fieldManager;
    this.#apps = config.makeApiClient(AppsV1Api);
    this.#core = config.makeApiClient(CoreV1Api);
    this.#batch = config.makeApiClient(BatchV1Api);
    this.#custom = config.makeApiClient(CustomObjectsApi);
  }

  readDeployment(namespace: string, name: string): Promise<KubeObject> {
    return call(() => this.#apps.readNamespacedDeployment({ namespace, name }));
  }

  readService(namespace: string, name: string): Promise<KubeObject> {
    return call(() => this.#core.readNamespacedService({ namespace, name }));
  }

  readCustom(kind: CustomKind, namespace: string, name: string): Promise<KubeObject> {
    return call(
      () => this.#custom.getNamespacedCustomObject({ ...kind, namespace, name }) as Promise<KubeObject>,
    );
  }

  /** Server-side apply (`application/apply-patch+yaml`) with Runway's field manager (or `fieldManager`). */
  apply(object: KubeObject, force = false, fieldManager = this.fieldManager): Promise<KubeObject> {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    const body = object as never;
    const options = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const params = { namespace, name, body, fieldManager, force };
    switch (object.kind) {
      case 'Deployment':
        return call(() => this.#apps.patchNamespacedDeployment(params, options));
      case 'Service':
        return call(() => this.#core.patchNamespacedService(params, options));
      case 'Job':
        return call(() => this.#batch.patchNamespacedJob(params, options));
      case 'HTTPRoute':
        return call(
          () =>
            this.#custom.patchNamespacedCustomObject(
              { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', ...params },
              options,
            ) as Promise<KubeObject>,
        );
      default:
        throw new KubeError(0, 'Unsupported', `runway cannot apply kind ${String(object.kind)}`);
    }
  }

  /** A JSON merge patch (`application/merge-patch+json`) on a custom resource or its status. */
  mergePatch(
    kind: CustomKind,
    namespace: string,
    name: string,
    body: object,
    subresource?: 'status',
  ): Promise<KubeObject> {
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const params = { ...kind, namespace, name, body };
    return call(
      () =>
        (subresource === 'status'
          ? this.#custom.patchNamespacedCustomObjectStatus(params, options)
          : this.#custom.patchNamespacedCustomObject(params, options)) as Promise<KubeObject>,
    );
  }

  /** Replaces a custom resource (PUT, carrying its resourceVersion: a concurrent write is a 409). */
  replaceCustom(kind: CustomKind, object: KubeObject): Promise<KubeObject> {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    return call(
      () =>
        this.#custom.replaceNamespacedCustomObject({
          ...kind,
          namespace,
          name,
          body: object,
        }) as Promise<KubeObject>,
    );
  }

  /** Pods of a namespace matching a label selector (one read, no watch). */
  async listPods(namespace: string, labelSelector: string): Promise<KubeObject[]> {
    const list = (await call(() => this.#core.listNamespacedPod({ namespace, labelSelector }))) as {
      items?: KubeObject[];
    };
    return list.items ?? [];
  }

  /** The last lines of a pod's log. */
  async podLog(namespace: string, name: string, container?: string): Promise<string> {
    const log: unknown = await call(() =>
      this.#core.readNamespacedPodLog({ namespace, name, container, tailLines: 20 }),
    );
    return typeof log === 'string' ? log : '';
  }

  /** ReplicaSets of a namespace matching a label selector (one read, no watch). */
  async listReplicaSets(namespace: string, labelSelector: string): Promise<KubeObject[]> {
    const list = (await call(() => this.#apps.listNamespacedReplicaSet({ namespace, labelSelector }))) as {
      items?: KubeObject[];
    };
    return list.items ?? [];
  }

  /** A JSON patch (`application/json-patch+json`, RFC 6902) on a custom resource. */
  jsonPatch(kind: CustomKind, namespace: string, name: string, ops: readonly object[]): Promise<KubeObject> {
    const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    return call(
      () =>
        this.#custom.patchNamespacedCustomObject(
          { ...kind, namespace, name, body: ops },
          options,
        ) as Promise<KubeObject>,
    );
  }

  /** Deployments of a namespace matching a label selector, kept current by list + watch. */
  watchDeployments(namespace: string, labelSelector?: string): ObjectCache<KubeObject> {
    return this.#cache(
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      () => this.#apps.listNamespacedDeployment({ namespace, labelSelector }),
      labelSelector,
    );
  }

  /** Pods of a namespace matching a label selector, kept current by list + watch. */
  watchPods(namespace: string, labelSelector: string): ObjectCache<KubeObject> {
    return this.#cache(
      `/api/v1/namespaces/${namespace}/pods`,
      () => this.#core.listNamespacedPod({ namespace, labelSelector }),
      labelSelector,
    );
  }

  /** Jobs of a namespace matching a label selector, kept current by list + watch. */
  watchJobs(namespace: string, labelSelector: string): ObjectCache<KubeObject> {
    return this.#cache(
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      () => this.#batch.listNamespacedJob({ namespace, labelSelector }),
      labelSelector,
    );
  }

  /** Rollouts (Argo) of a namespace, kept current by list + watch. */
  watchCustom(kind: CustomKind, namespace: string, fieldSelector?: string): ObjectCache<KubeObject> {
    return this.#cache(
      `/apis/${kind.group}/${kind.version}/namespaces/${namespace}/${kind.plural}`,
      () =>
        this.#custom.listNamespacedCustomObject({
          ...kind,
          namespace,
          fieldSelector,
        }) as Promise<KubernetesListObject<KubernetesObject>>,
      undefined,
      fieldSelector,
    );
  }

  #cache(
    path: string,
    list: () => Promise<KubernetesListObject<KubernetesObject>>,
    labelSelector?: string,
    fieldSelector?: string,
  ): ObjectCache<KubeObject> {
    const watch = new Watch(this.#config);
    const bookmarks = {
      watch: (
        p: string,
        query: Record<string, string | number | boolean | undefined>,
        callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
        done: (err: unknown) => void,
      ) => watch.watch(p, { ...query, allowWatchBookmarks: true }, callback, done),
    } as unknown as Watch;
    const informer = new ListWatch(path, bookmarks, list, false, labelSelector, fieldSelector);
    const listeners: (() => void)[] = [];
    let failure: unknown;
    informer.on('error', (err: unknown) => {
      failure = err;
      for (const l of listeners) l();
    });
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, () => {
        for (const l of listeners) l();
      });
    }
    const started = informer.start().then(() => {
      if (failure !== undefined) throw toKubeError(failure);
    });
    started.catch(() => undefined);
    return {
      list: () => informer.list() as KubeObject[],
      ready: () => started,
      onChange: (listener) => listeners.push(listener),
      stop: () => void informer.stop(),
    };
  }
}

async function call(fn: () => Promise<unknown>): Promise<KubeObject> {
  try {
    return (await fn()) as KubeObject;
  } catch (err) {
    throw toKubeError(err);
  }
}

/** The API server's `Status` as a KubeError; anything else (no connection) as code 0. */
export function toKubeError(err: unknown): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) {
    const body = parseStatus((err as ApiException<unknown>).body);
    return new KubeError(
      err.code,
      body?.reason ?? 'Unknown',
      body?.message ?? `kubernetes api answered ${err.code}`,
    );
  }
  return new KubeError(0, 'Unreachable', err instanceof Error ? err.message : String(err));
}

function parseStatus(body: unknown): { reason?: string; message?: string } | undefined {
  try {
    const value: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    return typeof value === 'object' && value !== null
      ? (value as { reason?: string; message?: string })
      : undefined;
  } catch {
    return undefined;
  }
}
