import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pipeline } from '../../config/pipeline.ts';
import type { Io } from '../io.ts';
import { liveView } from './live.ts';

describe('liveView', () => {
  it('shows a warn-on-exit step as a warning with its reason, not as failed', () => {
    let screen = '';
    const io = { out: (t: string) => (screen += t), err: () => {}, tty: true, color: false, columns: 120 };
    const pipeline = {
      name: 'shop',
      stages: [{ name: 'post-deployment', steps: [{ key: 'post-deployment/error-rate', id: 'error-rate' }] }],
    } as unknown as Pipeline;
    const view = liveView(io as unknown as Io, pipeline);
    const at = new Date().toISOString();
    const event = (type: string, data: Record<string, unknown>) => view.sink({ type, runId: 1, at, data });
    event('run.started', { sha: '' });
    event('stage.started', { stage: 'post-deployment' });
    event('step.started', { step: 'post-deployment/error-rate', attempt: 1 });
    event('step.finished', {
      step: 'post-deployment/error-rate',
      status: 'warning',
      reason: 'exit code 3 (warn-on-exit)',
    });
    event('stage.finished', { stage: 'post-deployment', status: 'succeeded' });
    view.stop();
    const last = screen.split('\x1b[2K').slice(-2).join('');
    assert.match(last, /⚠ error-rate .* exit code 3 \(warn-on-exit\)/);
    assert.doesNotMatch(last, /✖/);
  });
});
