/*
 * A small in-memory Kubernetes API server for tests that drive the kubernetes target through a whole
 * rollout (no API server can run here). It answers the calls Runway makes, shaped like the recorded
 * exchanges in test/fixtures/kubernetes: GET of one object (404 `Status` when absent), server-side
 * apply (`PATCH application/apply-patch+yaml?fieldManager=…&force=…`) with field ownership kept per
 * manager in `managedFields` (a field owned by another manager with another value is a 409
 * FieldManagerConflict unless forced; a `metadata.resourceVersion` in the body that is not the
 * current one is a 409 "the object has been modified"), lists with a list resourceVersion and label
 * selectors, and watches from a resourceVersion with BOOKMARK events (410 Expired when the version
 * is older than the kept history). A tiny deployment controller stands in for kube-controller-manager
 * and kubelets: each Deployment gets `replicas` pods of its current template, Running and Ready after
 * `readyAfterMs` (an image containing `crashloop` waits in CrashLoopBackOff instead), and the
 * Deployment's status follows (observedGeneration, replicas, updated/ready/available).
 * Everything any test sends is kept in `applied`, in order, for assertions and schema validation.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLAY_TOKEN, status } from './replay-server.fixture.ts';

/** Who set a field, with which value, and how (server-side apply, or a plain update). */
interface Owner {
  manager: string;
  value: string;
  operation: 'Apply' | 'Update';
}

type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata: Record<string, unknown> & { name: string; namespace: string; resourceVersion?: string };
};

/** One server-side apply the stand-in accepted. */
export interface Applied {
  readonly path: string;
  readonly manager: string;
  readonly force: boolean;
  readonly body: Record<string, unknown>;
  /** The object after the apply. */
  readonly result: Record<string, unknown>;
}

/** A running stand-in API server and a kubeconfig pointing at it. */
export interface StandInApi {
  readonly url: string;
  readonly kubeconfig: string;
  readonly applied: Applied[];
  /** Creates or replaces an object as another manager would (`kubectl apply`, Helm). */
  seed(collection: string, object: Record<string, unknown>, manager?: string): void;
  /** The object at `collection/name`, as stored now. */
  get(collection: string, name: string): Record<string, unknown> | undefined;
  /** Every watch request received (path and query), for assertions on bookmarks and resume. */
  readonly watches: { path: string; query: Record<string, string> }[];
  close(): Promise<void>;
}

export interface StandInOptions {
  /** How long a new pod takes to become Ready (default 100 ms). */
  readonly readyAfterMs?: number;
  /** How often open watches get a BOOKMARK (default 500 ms). */
  readonly bookmarkMs?: number;
  /** How many past events a watch may resume from (older: 410 Expired; default 1000). */
  readonly history?: number;
}

interface Event {
  readonly rv: number;
  readonly collection: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Obj;
}

const COLLECTION =
  /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\/namespaces\/([a-z0-9-]+)\/([a-z]+)(?:\/([a-z0-9.-]+))?$/;

/** Starts the stand-in on 127.0.0.1 (a port the OS picks). */
export async function startStandInApi(options: StandInOptions = {}): Promise<StandInApi> {
  const readyAfterMs = options.readyAfterMs ?? 100;
  const history = options.history ?? 1000;
  const objects = new Map<string, Obj>();
  /** Owner manager of each leaf field, by object key and field path. */
  const owners = new Map<string, Map<string, Owner>>();
  const events: Event[] = [];
  const applied: Applied[] = [];
  const watches: { path: string; query: Record<string, string> }[] = [];
  const open = new Set<{ collection: string; selector: string; res: ServerResponse; kind: string }>();
  const timers = new Set<NodeJS.Timeout>();
  let rv = 1000;
  let podSeq = 0;

  const keyOf = (collection: string, name: string) => `${collection}/${name}`;

  function record(collection: string, type: Event['type'], object: Obj): void {
    rv += 1;
    object.metadata.resourceVersion = String(rv);
    events.push({ rv, collection, type, object: structuredClone(object) });
    if (events.length > history) events.shift();
    for (const w of open) {
      if (w.collection !== collection || !selects(w.selector, object)) continue;
      w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
    if (collection.endsWith('/deployments')) reconcileDeployment(collection, object.metadata.name);
  }

  function write(collection: string, object: Obj, manager: string): void {
    const key = keyOf(collection, object.metadata.name);
    const existed = objects.has(key);
    const meta = object.metadata;
    meta.uid ??= `${(podSeq += 1).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    meta.creationTimestamp ??= new Date().toISOString();
    let fields = owners.get(key);
    if (fields === undefined) {
      // an object made by a controller (a pod): its writer owns every field, by update
      fields = new Map<string, Owner>();
      for (const [path, value] of leafFields(withoutServerFields(object)))
        fields.set(path, { manager, value, operation: 'Update' });
      owners.set(key, fields);
    }
    meta.managedFields = managedFields(fields, object.apiVersion ?? 'v1');
    objects.set(key, object);
    record(collection, existed ? 'MODIFIED' : 'ADDED', object);
  }

  function serverSideApply(
    collection: string,
    name: string,
    body: Obj,
    manager: string,
    force: boolean,
  ): { code: number; body: unknown } {
    const key = keyOf(collection, name);
    const current = objects.get(key);
    const sentRv = body.metadata?.resourceVersion;
    if (sentRv !== undefined && current !== undefined && sentRv !== current.metadata.resourceVersion) {
      const kind = collection.split('/').at(-1)!;
      return {
        code: 409,
        body: status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name, kind },
        ),
      };
    }
    const fields = owners.get(key) ?? new Map<string, Owner>();
    const leaves = leafFields(withoutServerFields(body));
    const conflicts = [...leaves].filter(([path, value]) => {
      const owner = fields.get(path);
      return owner !== undefined && owner.manager !== manager && owner.value !== value;
    });
    if (conflicts.length > 0 && !force) {
      const causes = conflicts.map(([path]) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${fields.get(path)!.manager}"`,
        field: path,
      }));
      return {
        code: 409,
        body: status(
          409,
          'Conflict',
          `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${causes.map((c) => `${c.message}: ${c.field}`).join(', ')}`,
          { causes },
        ),
      };
    }
    for (const [path, value] of leaves) fields.set(path, { manager, value, operation: 'Apply' });
    owners.set(key, fields);
    const merged = merge(current ?? {}, withoutServerFields(body)) as Obj;
    merged.metadata.name = name;
    merged.metadata.namespace = namespaceOf(collection);
    const specChanged = JSON.stringify(current?.['spec']) !== JSON.stringify(merged['spec']);
    const generation = (current?.metadata['generation'] as number | undefined) ?? 0;
    merged.metadata['generation'] = current === undefined || specChanged ? generation + 1 : generation;
    if (current?.['status'] !== undefined) merged['status'] = current['status'];
    write(collection, merged, manager);
    applied.push({ path: key, manager, force, body, result: structuredClone(merged) });
    return { code: current === undefined ? 201 : 200, body: merged };
  }

  /** The deployment controller and kubelet: pods for the template, then the status they imply. */
  function reconcileDeployment(collection: string, name: string): void {
    const deployment = objects.get(keyOf(collection, name));
    if (deployment === undefined) return;
    const ns = namespaceOf(collection);
    const podsAt = `/api/v1/namespaces/${ns}/pods`;
    const spec = deployment['spec'] as {
      replicas?: number;
      selector: { matchLabels?: Record<string, string> };
      template: {
        metadata?: { labels?: Record<string, string> };
        spec: { containers: { image?: string }[] };
      };
    };
    const hash = templateHash(spec.template);
    const wanted = spec.replicas ?? 1;
    const owned = [...objects.entries()].filter(
      ([k, p]) => k.startsWith(`${podsAt}/`) && ownerOf(p) === name,
    );
    // replace pods of an older template, then scale
    const current = owned.filter(([, p]) => isCurrent(p, hash));
    const mine = current.slice(0, wanted);
    for (const [k, pod] of owned.filter((o) => !mine.includes(o))) {
      objects.delete(k);
      record(podsAt, 'DELETED', pod);
    }
    for (let i = mine.length; i < wanted; i++) {
      const podName = `${name}-${hash}-${(podSeq += 1).toString(36).padStart(5, '0')}`;
      const crash = spec.template.spec.containers.some((c) => (c.image ?? '').includes('crashloop'));
      const pod: Obj = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace: ns,
          annotations: { [OWNER]: name },
          labels: { ...(spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash },
        },
        spec: structuredClone(spec.template.spec),
        status: podStatus(spec.template.spec.containers, false, crash, podSeq),
      };
      write(podsAt, pod, 'kube-controller-manager');
      const timer = setTimeout(() => {
        timers.delete(timer);
        const now = objects.get(keyOf(podsAt, podName));
        if (now === undefined) return;
        now['status'] = podStatus(spec.template.spec.containers, !crash, crash, podSeq);
        record(podsAt, 'MODIFIED', now);
        updateStatus(collection, name);
      }, readyAfterMs);
      timers.add(timer);
    }
    updateStatus(collection, name);
  }

  function updateStatus(collection: string, name: string): void {
    const deployment = objects.get(keyOf(collection, name));
    if (deployment === undefined) return;
    const podsAt = `/api/v1/namespaces/${namespaceOf(collection)}/pods`;
    const spec = deployment['spec'] as { replicas?: number; template: unknown };
    const hash = templateHash(spec.template);
    const pods = [...objects.entries()]
      .filter(([k, p]) => k.startsWith(`${podsAt}/`) && ownerOf(p) === name)
      .map(([, p]) => p);
    const ready = pods.filter((p) => isReady(p)).length;
    const next = {
      observedGeneration: deployment.metadata['generation'],
      replicas: pods.length,
      updatedReplicas: pods.filter((p) => isCurrent(p, hash)).length,
      readyReplicas: ready,
      availableReplicas: ready,
      conditions: [
        {
          type: 'Available',
          status: ready >= (spec.replicas ?? 1) ? 'True' : 'False',
          reason: ready >= (spec.replicas ?? 1) ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    };
    if (JSON.stringify(next) === JSON.stringify(deployment['status'])) return;
    deployment['status'] = next;
    record(collection, 'MODIFIED', deployment);
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    if (req.headers.authorization !== `Bearer ${REPLAY_TOKEN}`)
      return json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const m = COLLECTION.exec(url.pathname);
    if (!m) return json(res, 404, status(404, 'NotFound', `the server could not find ${url.pathname}`));
    const collection = `${m[1]}/namespaces/${m[2]}/${m[3]}`;
    const name = m[4];
    const kind = m[3]!;
    if (req.method === 'GET' && name !== undefined) {
      const object = objects.get(keyOf(collection, name));
      return object
        ? json(res, 200, object)
        : json(res, 404, status(404, 'NotFound', `${kind} "${name}" not found`, { name, kind }));
    }
    if (req.method === 'GET' && query['watch'] === 'true') return watch(collection, query, res);
    if (req.method === 'GET') {
      const items = [...objects.entries()]
        .filter(([k, o]) => k.startsWith(`${collection}/`) && selects(query['labelSelector'] ?? '', o))
        .map(([, o]) => o);
      return json(res, 200, {
        kind: `${kindOf(kind)}List`,
        apiVersion: apiVersionOf(m[1]!),
        metadata: { resourceVersion: String(rv) },
        items,
      });
    }
    if (req.method === 'PATCH' && name !== undefined) {
      const type = req.headers['content-type']?.split(';')[0];
      if (type !== 'application/apply-patch+yaml')
        return json(
          res,
          415,
          status(415, 'UnsupportedMediaType', `the stand-in takes only server-side apply, not ${type}`),
        );
      if (query['fieldManager'] === undefined)
        return json(res, 422, status(422, 'Invalid', 'fieldManager is required for apply requests'));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
      const out = serverSideApply(collection, name, body, query['fieldManager'], query['force'] === 'true');
      return json(res, out.code, out.body);
    }
    return json(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported by the stand-in`));
  }

  function watch(collection: string, query: Record<string, string>, res: ServerResponse): void {
    watches.push({ path: collection, query });
    const from = Number(query['resourceVersion'] ?? rv);
    const selector = query['labelSelector'] ?? '';
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const oldest = events[0]?.rv ?? rv;
    if (from < oldest - 1) {
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${oldest - 1})`) })}\n`,
      );
      return;
    }
    for (const e of events)
      if (e.rv > from && e.collection === collection && selects(selector, e.object))
        res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    const w = { collection, selector, res, kind: collection.split('/').at(-1)! };
    open.add(w);
    const bookmarks = setInterval(() => {
      if (query['allowWatchBookmarks'] !== 'true') return;
      const object = {
        kind: kindOf(w.kind),
        apiVersion: collection.startsWith('/api/v1') ? 'v1' : collection.split('/').slice(2, 4).join('/'),
        metadata: { resourceVersion: String(rv) },
      };
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
    }, options.bookmarkMs ?? 500);
    res.on('close', () => {
      clearInterval(bookmarks);
      open.delete(w);
    });
  }

  const server = createServer((req, res) => {
    void answer(req, res).catch((err: unknown) =>
      json(res, 500, status(500, 'InternalError', (err as Error).message)),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'runway-stand-in-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: stand-in, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]`,
      `users: [{ name: runway, user: { token: ${REPLAY_TOKEN} } }]`,
      'contexts: [{ name: stand-in, context: { cluster: stand-in, user: runway } }]',
      'current-context: stand-in',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    applied,
    watches,
    seed(collection, object, manager = 'kubectl-client-side-apply') {
      const o = structuredClone(object) as Obj;
      o.metadata.namespace = namespaceOf(collection);
      const fields = new Map<string, Owner>();
      for (const [path, value] of leafFields(withoutServerFields(o)))
        fields.set(path, { manager, value, operation: 'Update' });
      const key = keyOf(collection, o.metadata.name);
      owners.set(key, fields);
      o.metadata['generation'] = 1;
      delete o['status'];
      write(collection, o, manager);
    },
    get: (collection, name) => {
      const o = objects.get(keyOf(collection, name));
      return o === undefined ? undefined : structuredClone(o);
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const w of open) w.res.end();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function namespaceOf(collection: string): string {
  return collection.split('/namespaces/')[1]!.split('/')[0]!;
}

function kindOf(plural: string): string {
  return (
    { deployments: 'Deployment', services: 'Service', pods: 'Pod', httproutes: 'HTTPRoute' }[plural] ?? plural
  );
}

function apiVersionOf(prefix: string): string {
  return prefix === '/api/v1' ? 'v1' : prefix.replace('/apis/', '');
}

function selects(selector: string, object: Obj): boolean {
  if (selector === '') return true;
  const labels = (object.metadata['labels'] ?? {}) as Record<string, string>;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k!] === v;
  });
}

function withoutServerFields(body: Record<string, unknown>): Obj {
  const copy = structuredClone(body) as Obj;
  for (const k of ['resourceVersion', 'managedFields', 'uid', 'creationTimestamp', 'generation'])
    delete copy.metadata?.[k];
  delete copy['status'];
  return copy;
}

/** Leaf fields of an applied object, as `.spec.template.spec.containers[name=app].image` paths. */
function leafFields(value: unknown, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(value)) {
    const keyed = value.every((v) => typeof v === 'object' && v !== null && ('name' in v || 'port' in v));
    if (!keyed) {
      out.set(path, JSON.stringify(value));
      return out;
    }
    for (const item of value as Record<string, unknown>[]) {
      const id = 'name' in item ? `name=${String(item['name'])}` : `port=${String(item['port'])}`;
      for (const [p, v] of leafFields(item, `${path}[${id}]`)) out.set(p, v);
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value))
      for (const [p, leaf] of leafFields(v, `${path}.${k}`)) out.set(p, leaf);
    return out;
  }
  out.set(path, JSON.stringify(value));
  return out;
}

/** Maps merge; lists of named (or ported) items merge by that key; other lists are replaced. */
function merge(current: unknown, applied: unknown): unknown {
  if (Array.isArray(applied)) {
    if (!Array.isArray(current)) return structuredClone(applied);
    const id = (v: Record<string, unknown>) =>
      'name' in v ? `n:${String(v['name'])}` : 'port' in v ? `p:${String(v['port'])}` : undefined;
    if (
      !applied.every(
        (v) => typeof v === 'object' && v !== null && id(v as Record<string, unknown>) !== undefined,
      )
    )
      return structuredClone(applied);
    const out = (current as Record<string, unknown>[]).map((c) => structuredClone(c));
    for (const item of applied as Record<string, unknown>[]) {
      const i = out.findIndex((c) => id(c) === id(item));
      if (i >= 0) out[i] = merge(out[i], item) as Record<string, unknown>;
      else out.push(structuredClone(item));
    }
    return out;
  }
  if (typeof applied === 'object' && applied !== null) {
    const base =
      typeof current === 'object' && current !== null && !Array.isArray(current)
        ? { ...(current as Record<string, unknown>) }
        : {};
    for (const [k, v] of Object.entries(applied)) base[k] = merge(base[k], v);
    return base;
  }
  return applied;
}

/** `managedFields` as the API server reports them: one entry per manager, FieldsV1 of its fields. */
function managedFields(fields: Map<string, Owner>, apiVersion: string): unknown[] {
  const byManager = new Map<string, Record<string, unknown>>();
  const operations = new Map<string, Owner['operation']>();
  for (const [path, { manager, operation }] of fields) {
    operations.set(manager, operation);
    const tree = byManager.get(manager) ?? {};
    let node = tree;
    for (const part of path.split(/\.(?![^[]*\])/).filter(Boolean)) {
      const [key, id] = part.split('[');
      node = (node[`f:${key}`] ??= {}) as Record<string, unknown>;
      if (id !== undefined) {
        const [k, v] = id.slice(0, -1).split('=');
        node = (node[`k:${JSON.stringify({ [k!]: k === 'port' ? Number(v) : v })}`] ??= {}) as Record<
          string,
          unknown
        >;
      }
    }
    byManager.set(manager, tree);
  }
  return [...byManager.entries()].map(([manager, fieldsV1]) => ({
    manager,
    operation: operations.get(manager),
    apiVersion,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    fieldsType: 'FieldsV1',
    fieldsV1,
  }));
}

function templateHash(template: unknown): string {
  let h = 2166136261;
  for (const ch of JSON.stringify(template)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).slice(0, 10);
}

/** The stand-in's own note of which Deployment made a pod (a real one goes through a ReplicaSet). */
const OWNER = 'stand-in.runway.dev/deployment';

function ownerOf(pod: Obj): string | undefined {
  return (pod.metadata['annotations'] as Record<string, string> | undefined)?.[OWNER];
}

function isCurrent(pod: Obj, hash: string): boolean {
  return (pod.metadata['labels'] as Record<string, string>)['pod-template-hash'] === hash;
}

function isReady(pod: Obj): boolean {
  const conditions = (pod['status'] as { conditions?: { type: string; status: string }[] }).conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function podStatus(
  containers: { name?: string; image?: string }[],
  ready: boolean,
  crash: boolean,
  seq: number,
): unknown {
  return {
    phase: 'Running',
    podIP: `10.244.${(seq >> 8) & 255}.${seq & 255}`,
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      ready,
      restartCount: crash ? 4 : 0,
      state: crash
        ? { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } }
        : ready
          ? { running: { startedAt: new Date().toISOString() } }
          : { waiting: { reason: 'ContainerCreating' } },
    })),
  };
}
