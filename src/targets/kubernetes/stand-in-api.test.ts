/*
 * The stand-in API server answers like the recorded exchanges in test/fixtures/kubernetes: the same
 * Status shapes for a stale resourceVersion (409 Conflict), another manager's field (409
 * FieldManagerConflict) and an expired watch (ERROR 410 Expired), BOOKMARK events on a watch that
 * allows them, and managedFields naming each manager.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPLAY_TOKEN } from './replay-server.fixture.ts';
import { startStandInApi, type StandInApi } from './stand-in-api.fixture.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'kubernetes');
const APPS = '/apis/apps/v1/namespaces/production/deployments';
const recorded = (file: string) =>
  JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, unknown>;
const shape = (v: unknown): unknown =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, k === 'details' ? 'details' : shape((v as Record<string, unknown>)[k])]),
      )
    : typeof v;

const deployment = (replicas: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...extra },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'web:1' }] },
    },
  },
});

describe('the stand-in API server, against the recorded exchanges', () => {
  let api: StandInApi;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${REPLAY_TOKEN}`,
        'content-type': 'application/apply-patch+yaml',
        ...init.headers,
      },
    });
  const apply = (body: unknown, query: string) =>
    call(`${APPS}/web?${query}`, { method: 'PATCH', body: JSON.stringify(body) });

  before(async () => {
    api = await startStandInApi({ readyAfterMs: 20, bookmarkMs: 50, history: 5 });
    api.seed(APPS, deployment(2), 'kubectl-client-side-apply');
  });
  after(() => api.close());

  it('a field another manager owns is a 409 FieldManagerConflict unless forced; forced, both managers are listed', async () => {
    const refused = await apply(deployment(3), 'fieldManager=runway');
    assert.equal(refused.status, 409);
    const body = (await refused.json()) as { details: { causes: { reason: string; field: string }[] } };
    assert.deepEqual(shape(body), shape(recorded('status-409-apply-conflict-single-manager.json')));
    assert.deepEqual(
      body.details.causes.map((c) => [c.reason, c.field]),
      [['FieldManagerConflict', '.spec.replicas']],
    );
    const forced = await apply(deployment(3), 'fieldManager=runway&force=true');
    assert.equal(forced.status, 200);
    const after = (await forced.json()) as {
      metadata: { managedFields: { manager: string; operation: string }[]; generation: number };
    };
    assert.deepEqual(after.metadata.managedFields.map((f) => [f.manager, f.operation]).sort(), [
      ['kubectl-client-side-apply', 'Update'],
      ['runway', 'Apply'],
    ]);
    assert.equal(after.metadata.generation, 2);
  });

  it('an apply carrying a stale resourceVersion is a 409 Conflict like the recorded one', async () => {
    const res = await apply(deployment(3, { resourceVersion: '1' }), 'fieldManager=runway');
    assert.equal(res.status, 409);
    assert.deepEqual(shape(await res.json()), shape(recorded('status-409-conflict-object-modified.json')));
  });

  it('a watch from a version older than the history ends with ERROR 410 Expired; a current one gets BOOKMARKs', async () => {
    const expired = await call(`${APPS}?watch=true&resourceVersion=1&allowWatchBookmarks=true`);
    const line = (await expired.text()).trim();
    const wanted = readFileSync(join(FIXTURES, 'watch-error-410-expired.jsonl'), 'utf8').trim();
    assert.deepEqual(shape(JSON.parse(line)), shape(JSON.parse(wanted)));
    const list = (await (await call(APPS)).json()) as { metadata: { resourceVersion: string } };
    const ac = new AbortController();
    const watch = await call(
      `${APPS}?watch=true&resourceVersion=${list.metadata.resourceVersion}&allowWatchBookmarks=true`,
      {
        signal: ac.signal,
      },
    );
    // the stand-in's deployment controller may change an object first (a MODIFIED): a real watch
    // interleaves bookmarks with events the same way, so read on until the bookmark
    const reader = watch.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    let event: { type: string; object: { metadata: { resourceVersion: string } } } | undefined;
    const seen: string[] = [];
    while (event?.type !== 'BOOKMARK' && seen.length < 50) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines.filter((x) => x.trim() !== '')) {
        event = JSON.parse(l) as typeof event;
        seen.push(event!.type);
        if (event!.type === 'BOOKMARK') break;
      }
    }
    ac.abort();
    assert.ok(event, 'the watch sent nothing');
    assert.equal(event.type, 'BOOKMARK', `events: ${seen.join(', ')}`);
    assert.ok(
      seen.every((t) => t === 'BOOKMARK' || t === 'MODIFIED' || t === 'ADDED'),
      `events: ${seen.join(', ')}`,
    );
    assert.ok(Number(event.object.metadata.resourceVersion) >= Number(list.metadata.resourceVersion));
  });
});
