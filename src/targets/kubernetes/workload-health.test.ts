import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recorded } from './schemas.fixture.ts';
import { workloadHealth } from './workload-health.ts';

const deployment = recorded('deployment-available.get-status-response.json');

describe('workload health from recorded objects', () => {
  it('a fully rolled-out Deployment with healthy pods is ready', () => {
    const h = workloadHealth(deployment, []);
    assert.deepEqual([h.ready, h.desired, h.readyReplicas, h.crashLoop], [true, 3, 3, false]);
  });

  it('an image that cannot be pulled is a failure, not something to wait for', () => {
    const h = workloadHealth(deployment, [recorded('pod-imagepullbackoff.yaml')]);
    assert.match(h.failure ?? '', /ImagePullBackOff/);
  });

  it('a crash-looping pod makes the Deployment not ready even when its counts say ready', () => {
    const h = workloadHealth(deployment, [recorded('pod-crashloopbackoff.yaml')]);
    assert.deepEqual([h.ready, h.crashLoop, h.restarts], [false, true, 3]);
  });

  it('a spec the controller has not observed yet is not ready', () => {
    const meta = (deployment as { metadata: Record<string, unknown> }).metadata;
    const h = workloadHealth({ ...deployment, metadata: { ...meta, generation: 6 } }, []);
    assert.equal(h.ready, false);
  });
});
