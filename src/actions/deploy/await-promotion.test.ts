/*
 * How a step on a kubernetes environment ends after the rollout is recorded complete: once every
 * instance the target reports is the promoted version and ready; failed on a crash loop there, or
 * when the stable workload does not roll out in time. The environment views are what
 * `GET /v1/environments/:service/:env` answers as a promotion goes on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceHealth } from '../../targets/target.ts';
import type { ServerClient } from '../../server/client.ts';
import type { ActionContext } from '../action.ts';
import { awaitPromotion } from './image-release.ts';

const req = { service: 'shop', environment: 'production' } as Parameters<typeof awaitPromotion>[2];
const pod = (version: string, ready: boolean, crashLoop = false): InstanceHealth => ({
  version,
  index: 0,
  ready,
  crashLoop,
  restarts: crashLoop ? 4 : 0,
  state: ready ? 'Ready' : 'Pending',
});

/** A control plane whose environment view goes through `views`, one per look (the last one stays). */
function plane(views: InstanceHealth[][]): ServerClient {
  let n = 0;
  return {
    environment: async () => ({ site: { instances: views[Math.min(n++, views.length - 1)]!, weights: {} } }),
  } as unknown as ServerClient;
}

function context(lines: string[]): ActionContext {
  return {
    log: (l: string) => lines.push(l),
    signal: new AbortController().signal,
  } as unknown as ActionContext;
}

describe('a step waits for the cluster to roll out a promoted image', () => {
  it('ends once every instance is the new version and ready', async () => {
    const lines: string[] = [];
    const views = [
      [pod('v1', true), pod('v2', false)],
      [pod('v2', false), pod('v2', true)],
      [pod('v2', true), pod('v2', true)],
    ];
    assert.equal(await awaitPromotion(context(lines), plane(views), req, 'v2', 5_000), undefined);
    assert.deepEqual(lines, [
      'waiting for production to roll its stable workload out to v2',
      'production runs v2 on its stable workload: 2 ready',
    ]);
  });

  it('fails at once when the new version crash-loops on stable', async () => {
    const reason = await awaitPromotion(context([]), plane([[pod('v2', false, true)]]), req, 'v2', 5_000);
    assert.match(reason ?? '', /v2 is crash-looping on production's stable workload after its promotion/);
  });

  it('fails when stable does not roll out in time, saying how far it got', async () => {
    const reason = await awaitPromotion(
      context([]),
      plane([[pod('v2', true), pod('v2', false)]]),
      req,
      'v2',
      600,
    );
    assert.match(reason ?? '', /did not roll out in time: 1 of 2 instances are v2 and ready/);
  });
});
