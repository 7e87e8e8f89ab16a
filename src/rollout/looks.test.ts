import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Looks } from './looks.ts';

describe('Looks', () => {
  it('runs the work on one rollout one at a time, in the order it was asked', async () => {
    const log: string[] = [];
    const looks = new Looks(
      async () => undefined,
      () => undefined,
    );
    const slow = looks.serialized('r1', async () => {
      log.push('a start');
      await sleep(20);
      log.push('a end');
    });
    const fast = looks.serialized('r1', async () => void log.push('b'));
    const other = looks.serialized('r2', async () => void log.push('other rollout'));
    await Promise.all([slow, fast, other]);
    assert.deepEqual(log, ['a start', 'other rollout', 'a end', 'b']);
  });

  it('a failed piece of work does not stop the next one', async () => {
    const looks = new Looks(
      async () => undefined,
      () => undefined,
    );
    await assert.rejects(
      looks.serialized('r1', () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await looks.serialized('r1', async () => 42), 42);
  });

  it('a new schedule replaces the pending look; a look that throws is reported', async () => {
    const seen: string[] = [];
    const failures: string[] = [];
    const looks = new Looks(
      async (id) => {
        seen.push(id);
        if (id === 'bad') throw new Error('no store');
      },
      (id, err) => failures.push(`${id}: ${(err as Error).message}`),
    );
    looks.schedule('r1', 5_000);
    assert.equal(looks.known('r1'), true);
    looks.schedule('r1', 0);
    looks.schedule('bad', 0);
    await sleep(30);
    assert.deepEqual(seen.sort(), ['bad', 'r1']);
    assert.deepEqual(failures, ['bad: no store']);
    assert.equal(looks.known('never'), false);
    await looks.close();
  });

  it('close cancels scheduled looks, waits for a running one, and schedules nothing after', async () => {
    const seen: string[] = [];
    const looks = new Looks(
      async (id) => void seen.push(id),
      () => undefined,
    );
    let finished = false;
    void looks.serialized('busy', async () => {
      await sleep(20);
      finished = true;
    });
    looks.schedule('later', 10);
    await looks.close();
    assert.equal(finished, true, 'close waited for the running work');
    looks.schedule('after-close', 0);
    await sleep(30);
    assert.deepEqual(seen, []);
  });
});
