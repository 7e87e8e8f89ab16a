/*
 * A stand-in Kubernetes API server holding one Argo Rollout (and the ReplicaSets it owns), for
 * tests that run the real `runway serve` against it. It answers the requests the argo-rollouts
 * target sends exactly as the recorded exchanges of `argo-rollout-target.test.ts` do: GET, PUT
 * carrying the read resourceVersion (a stale one is the recorded 409), JSON merge patches on the
 * resource and its status subresource (status only through the subresource, as the Rollout CRD's
 * `subresources.status` makes it), a JSON patch for undo, list + watch with BOOKMARKs. Every body
 * sent is validated against the Rollout CRD before it is applied; an invalid one is a 422 and is
 * kept in `invalid`. The test plays the Argo Rollouts controller with `argo()`.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPLAY_TOKEN, status } from '../kubernetes/replay-server.fixture.ts';
import { recorded, validateRolloutPatch, validateSent } from '../kubernetes/schemas.fixture.ts';

/** A Rollout (or ReplicaSet) as the API server holds it. */
export interface RolloutObject {
  apiVersion?: string;
  kind?: string;
  metadata: Record<string, unknown> & { name?: string; resourceVersion?: string; generation?: number };
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
}

/** A request the stand-in received. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly answered: number;
}

/** A running stand-in. */
export interface RolloutApi {
  readonly url: string;
  readonly kubeconfig: string;
  readonly received: ApiRequest[];
  /** Bodies refused by the CRD schema (should stay empty). */
  readonly invalid: { body: unknown; error: string }[];
  rollout(): RolloutObject;
  /** Plays the Argo controller: changes the Rollout's status (new resourceVersion, a MODIFIED event). */
  argo(status: Record<string, unknown>): void;
  /** Resolves once a request matching `match` was received (fails after `ms`). */
  seen(match: (r: ApiRequest) => boolean, ms?: number): Promise<ApiRequest>;
  /** Stops answering (and drops open watches) until `resume` — a cluster API that went away. */
  close(): Promise<void>;
}

const GROUP = '/apis/argoproj.io/v1alpha1';

/**
 * Starts the stand-in on 127.0.0.1 (port 0) holding `initial`, and a ReplicaSet per pod template
 * the Rollout has had (for undo).
 *
 * @example const api = await startRolloutApi(recorded('rollout-status-paused-canary-pause-step.yaml'))
 */
export async function startRolloutApi(initial: RolloutObject): Promise<RolloutApi> {
  let rollout = structuredClone(initial);
  // one ReplicaSet per pod template, numbered as Argo numbers revisions (a template seen again
  // takes the next number: Argo reuses its ReplicaSet)
  const replicaSets: RolloutObject[] = [];
  let revision = Number(
    (rollout.metadata['annotations'] as Record<string, string> | undefined)?.[
      'rollout.argoproj.io/revision'
    ] ?? '1',
  );
  const track = (): void => {
    const template = JSON.stringify(rollout.spec['template']);
    const hash = createHash('sha256').update(template).digest('hex').slice(0, 10);
    const labels = (rollout.spec['template'] as { metadata?: { labels?: object } }).metadata?.labels ?? {};
    const existing = replicaSets.find((rs) => rs.metadata.name === `${name}-${hash}`);
    const annotations = { 'rollout.argoproj.io/revision': String(revision) };
    if (existing) existing.metadata['annotations'] = annotations;
    else
      replicaSets.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          labels: { ...labels, 'rollouts-pod-template-hash': hash },
          annotations,
          ownerReferences: [
            {
              apiVersion: 'argoproj.io/v1alpha1',
              kind: 'Rollout',
              name,
              uid: rollout.metadata['uid'],
              controller: true,
            },
          ],
        },
        spec: {
          template: {
            ...(JSON.parse(template) as object),
            metadata: { labels: { ...labels, 'rollouts-pod-template-hash': hash } },
          },
        },
        status: {},
      });
  };
  let rv = Number(rollout.metadata.resourceVersion ?? '1000');
  const namespace = String(rollout.metadata['namespace']);
  const name = String(rollout.metadata.name);
  const base = `${GROUP}/namespaces/${namespace}/rollouts`;
  const one = `${base}/${name}`;
  const received: ApiRequest[] = [];
  const invalid: { body: unknown; error: string }[] = [];
  const watches = new Set<ServerResponse>();

  track();
  const bump = (next: RolloutObject, specChanged: boolean): void => {
    rv += 1;
    const generation = Number(rollout.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    const templateChanged =
      JSON.stringify(next.spec['template']) !== JSON.stringify(rollout.spec['template']);
    rollout = { ...next, metadata: { ...next.metadata, resourceVersion: String(rv), generation } };
    if (templateChanged) {
      revision += 1;
      track();
    }
    for (const w of watches) w.write(`${JSON.stringify({ type: 'MODIFIED', object: rollout })}\n`);
  };

  const server = createServer((req, res) => void answer(req, res));
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type']?.split(';')[0];
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const reply = (code: number, value: unknown): void => {
      received.push({ method: req.method ?? '', path: url.pathname, contentType, body, answered: code });
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${REPLAY_TOKEN}`)
      return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    const refuse = (error: string): void => {
      invalid.push({ body, error });
      reply(422, status(422, 'Invalid', `Rollout.argoproj.io "${name}" is invalid: ${error}`));
    };

    if (req.method === 'GET' && url.pathname === one) return reply(200, rollout);
    const selector = url.searchParams.get('fieldSelector');
    const listed = selector === null || selector === `metadata.name=${name}` ? [rollout] : [];
    if (req.method === 'GET' && url.pathname === base && url.searchParams.get('watch') === 'true') {
      received.push({ method: 'GET', path: url.pathname, contentType, body: undefined, answered: 200 });
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const since = Number(url.searchParams.get('resourceVersion') ?? '0');
      if (since < rv && listed.length > 0)
        res.write(`${JSON.stringify({ type: 'MODIFIED', object: rollout })}\n`);
      res.write(
        `${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Rollout', apiVersion: 'argoproj.io/v1alpha1', metadata: { resourceVersion: String(rv) } } })}\n`,
      );
      if (listed.length > 0) watches.add(res);
      res.on('close', () => watches.delete(res));
      return;
    }
    if (req.method === 'GET' && url.pathname === base) {
      return reply(200, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'RolloutList',
        metadata: { resourceVersion: String(rv) },
        items: listed,
      });
    }
    if (req.method === 'GET' && url.pathname === `/apis/apps/v1/namespaces/${namespace}/replicasets`) {
      return reply(200, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSetList',
        metadata: { resourceVersion: String(rv) },
        items: replicaSets,
      });
    }
    if (req.method === 'PUT' && url.pathname === one) {
      const sent = body as RolloutObject;
      try {
        validateSent(sent);
      } catch (err) {
        return refuse((err as Error).message);
      }
      if (sent.metadata.resourceVersion !== String(rv)) {
        const conflict = recorded<Record<string, unknown>>('status-409-apply-conflict-single-manager.json');
        return reply(409, {
          ...conflict,
          message: `Operation cannot be fulfilled on rollouts.argoproj.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          reason: 'Conflict',
        });
      }
      // the status subresource: a PUT on the resource leaves status as it was
      bump({ ...sent, status: rollout.status }, JSON.stringify(sent.spec) !== JSON.stringify(rollout.spec));
      return reply(200, rollout);
    }
    if (req.method === 'PATCH' && (url.pathname === one || url.pathname === `${one}/status`)) {
      const onStatus = url.pathname.endsWith('/status');
      if (contentType === 'application/merge-patch+json') {
        try {
          validateRolloutPatch(body);
        } catch (err) {
          return refuse((err as Error).message);
        }
        const patch = body as Partial<RolloutObject>;
        const next = structuredClone(rollout);
        if (onStatus) next.status = mergePatch(next.status, patch.status) as Record<string, unknown>;
        else {
          next.spec = mergePatch(next.spec, patch.spec) as Record<string, unknown>;
          next.metadata = mergePatch(next.metadata, patch.metadata) as RolloutObject['metadata'];
        }
        bump(next, JSON.stringify(next.spec) !== JSON.stringify(rollout.spec));
        return reply(200, rollout);
      }
      if (contentType === 'application/json-patch+json' && !onStatus) {
        const next = structuredClone(rollout);
        for (const op of body as { op: string; path: string; value: unknown }[]) {
          if (op.op !== 'replace' || op.path !== '/spec/template')
            return reply(
              422,
              status(422, 'Invalid', `stand-in: unsupported JSON patch ${JSON.stringify(op)}`),
            );
          next.spec = { ...next.spec, template: op.value };
        }
        try {
          validateSent(next);
        } catch (err) {
          return refuse((err as Error).message);
        }
        bump(next, true);
        return reply(200, rollout);
      }
      return reply(
        415,
        status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`),
      );
    }
    if (url.pathname.startsWith(`${base}/`))
      return reply(
        404,
        status(404, 'NotFound', `rollouts.argoproj.io "${url.pathname.slice(base.length + 1)}" not found`),
      );
    return reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'runway-argo-')), 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: stand-in, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]`,
      `users: [{ name: runway, user: { token: ${REPLAY_TOKEN} } }]`,
      `contexts: [{ name: stand-in, context: { cluster: stand-in, user: runway, namespace: ${namespace} } }]`,
      'current-context: stand-in',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    received,
    invalid,
    rollout: () => structuredClone(rollout),
    argo: (statusPatch) => {
      const next = structuredClone(rollout);
      next.status = mergePatch(next.status, {
        ...statusPatch,
        observedGeneration: String(rollout.metadata.generation),
      }) as Record<string, unknown>;
      bump(next, false);
    },
    seen: async (match, ms = 20_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = received.find(match);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error('stand-in: the expected request never came');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: async () => {
      for (const w of watches) w.end();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
