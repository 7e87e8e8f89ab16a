import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTask, score, TaskError } from '../../src/priority.ts';

describe('task triage', () => {
  it('scores by severity, doubles overdue work, raises work due within a day', () => {
    assert.equal(score({ title: 'a', severity: 'low', dueInHours: 48 }), 10);
    assert.equal(score({ title: 'a', severity: 'critical', dueInHours: 48 }), 80);
    assert.equal(score({ title: 'a', severity: 'high', dueInHours: -1 }), 80);
    assert.equal(score({ title: 'a', severity: 'high', dueInHours: 12 }), 60);
  });

  it('refuses bad bodies with the field at fault', () => {
    assert.throws(() => parseTask(null), TaskError);
    assert.throws(() => parseTask({ title: '', severity: 'low', dueInHours: 1 }), /title/);
    assert.throws(() => parseTask({ title: 'x', severity: 'urgent', dueInHours: 1 }), /severity/);
    assert.throws(() => parseTask({ title: 'x', severity: 'low', dueInHours: 'soon' }), /dueInHours/);
    assert.deepEqual(parseTask({ title: ' x ', severity: 'low', dueInHours: 1 }), {
      title: 'x',
      severity: 'low',
      dueInHours: 1,
    });
  });
});
