import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { REVISION_HISTORY_LIMIT, emptyHistory, recordRevision, undo } from './revisions.ts';
import type { RevisionHistory } from './revisions.ts';
import { T0 } from './rollout.fixture.ts';

function historyOf(versions: string[], start = emptyHistory('checkout-api', 'production')): RevisionHistory {
  return versions.reduce((h, version) => recordRevision(h, { version }, T0).history, start);
}

describe('revision history', () => {
  it('numbers revisions from 1 and keeps the newest 10, reporting what fell out', () => {
    let history = historyOf(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10']);
    const eleventh = recordRevision(history, { version: 'v11', rolloutId: 'r11' }, T0);
    history = eleventh.history;
    assert.equal(REVISION_HISTORY_LIMIT, 10);
    assert.deepEqual(
      history.revisions.map((r) => r.number),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.deepEqual(eleventh.revision, {
      number: 11,
      version: 'v11',
      recordedAt: T0.toISOString(),
      rolloutId: 'r11',
    });
    assert.deepEqual(
      eleventh.pruned.map((r) => r.version),
      ['v1'],
    );
  });

  it('rolling out a known version again moves it to a new number', () => {
    const history = historyOf(['v1', 'v2', 'v3', 'v1']);
    assert.deepEqual(
      history.revisions.map((r) => `${r.number}:${r.version}`),
      ['2:v2', '3:v3', '4:v1'],
    );
  });

  it('never holds more than the limit, numbers only grow, each version once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 40 }),
        fc.integer({ min: 2, max: 6 }),
        (versions, limit) => {
          const history = historyOf(versions, emptyHistory('s', 'e', limit));
          const numbers = history.revisions.map((r) => r.number);
          assert.ok(history.revisions.length <= limit);
          assert.deepEqual(
            numbers,
            [...numbers].sort((x, y) => x - y),
          );
          assert.equal(new Set(history.revisions.map((r) => r.version)).size, history.revisions.length);
          if (versions.length > 0) assert.equal(history.revisions.at(-1)?.version, versions.at(-1));
        },
      ),
    );
  });
});

describe('undo', () => {
  const history = historyOf(['v1', 'v2', 'v3', 'v4', 'v5']);
  const trimmed: RevisionHistory = { ...history, revisions: history.revisions.slice(2) };

  it('goes back to the previous revision by default', () => {
    assert.deepEqual(undo(history), { ok: true, target: history.revisions[3] });
  });

  it('goes to a given revision', () => {
    const result = undo(trimmed, { toRevision: 3 });
    assert.ok(result.ok && 'target' in result);
    assert.equal(result.target.version, 'v3');
  });

  it('names the known revisions when the one asked for does not exist', () => {
    assert.deepEqual(undo(trimmed, { toRevision: 7 }), {
      ok: false,
      error: 'revision 7 does not exist; known revisions: 3, 4, 5',
    });
  });

  it('refuses the current revision, a bad number, and an empty or single history', () => {
    assert.deepEqual(undo(trimmed, { toRevision: 5 }), {
      ok: false,
      error: 'revision 5 is already the current revision',
    });
    assert.deepEqual(undo(trimmed, { toRevision: 0 }), {
      ok: false,
      error: 'revision must be a positive integer, got 0',
    });
    assert.deepEqual(undo(emptyHistory('checkout-api', 'production')), {
      ok: false,
      error: 'no revisions recorded for checkout-api in production',
    });
    assert.deepEqual(undo(historyOf(['v1'])), {
      ok: false,
      error: 'no previous revision to undo to; known revisions: 1',
    });
  });

  it('after a rollback (the newest revision is not serving) there is nothing to undo', () => {
    // v5's rollout was aborted or rolled back: v4 serves, and going to v3 would downgrade production
    assert.deepEqual(undo(history, { serving: 'v4' }), {
      ok: true,
      nothing:
        'nothing to undo: the last rollout (revision 5, v5) was rolled back, and v4 (revision 4) keeps serving',
    });
  });

  it('goes to a given version, never the one serving', () => {
    const result = undo(history, { toVersion: 'v2', serving: 'v4' });
    assert.ok(result.ok && 'target' in result);
    assert.equal(result.target.number, 2);
    assert.deepEqual(undo(history, { toVersion: 'v4', serving: 'v4' }), {
      ok: false,
      error: 'v4 (revision 4) is already serving',
    });
    assert.match(
      (undo(trimmed, { toVersion: 'v1' }) as { error: string }).error,
      /^version v1 is not in the revision history; known: v3 \(revision 3\), v4/,
    );
    assert.deepEqual(undo(history, { toVersion: 'v1', toRevision: 1 }), {
      ok: false,
      error: 'give a revision or a version to undo to, not both',
    });
  });

  it('rejects a limit below 2 (undo needs somewhere to go)', () => {
    assert.throws(() => emptyHistory('s', 'e', 1), {
      message: 'revision history limit must be at least 2, got 1',
    });
  });
});
