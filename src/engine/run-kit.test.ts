import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { LocalExecutor } from '../executors/local/local-executor.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { CONTRACT_CONTEXT, CONTRACT_PIPELINE } from '../store/store.contract.ts';
import type { Change } from '../store/store.ts';
import { systemClock } from './clock.ts';
import { EventFunnel, type EngineEvent } from './events.ts';
import { RunKit } from './run-kit.ts';

const owner = { pid: process.pid, host: 'here' };

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'runway-kit-'));
  const store = new SqliteStore(join(dir, 'runway.db'));
  const seen: EngineEvent[] = [];
  const events = new EventFunnel().add((e) => seen.push(e));
  const kit = new RunKit(
    {
      store,
      executor: new LocalExecutor(),
      actions: new Map(),
      clock: systemClock,
      events,
      dataDir: dir,
      hostEnv: {},
    },
    owner,
  );
  const run = await store.createRun({
    pipeline: CONTRACT_PIPELINE,
    context: CONTRACT_CONTEXT,
    owner,
    at: systemClock.now().toISOString(),
  });
  const types = async () => (await store.events(run.id)).map((e) => e.type).slice(1); // after run.created
  return { store, kit, runId: run.id, seen, types };
}

const ev = (type: string, data: Record<string, unknown> = {}): Change => ({ event: { type, data } });

describe('RunKit group commit', () => {
  it('a held change is committed with the next apply, before it, in one go; nothing is told before', async () => {
    const { kit, runId, seen, types } = await setup();
    kit.hold(runId, { stage: { name: 'build', status: 'running' }, ...ev('stage.started') });
    assert.deepEqual(await types(), []);
    assert.equal(seen.length, 0);
    await kit.apply(runId, ev('step.started'));
    assert.deepEqual(await types(), ['stage.started', 'step.started']);
    assert.deepEqual(
      seen.map((e) => e.type),
      ['stage.started', 'step.started'],
    );
    assert.ok((seen[0]?.seq ?? 0) < (seen[1]?.seq ?? 0));
  });

  it('applySoon commits by the end of the loop turn without another apply, or with the next one', async () => {
    const { kit, runId, types } = await setup();
    kit.applySoon(runId, ev('step.process'));
    assert.deepEqual(await types(), []);
    await nextTurn();
    assert.deepEqual(await types(), ['step.process']);

    kit.applySoon(runId, ev('step.process'));
    await kit.apply(runId, ev('step.finished'));
    await nextTurn();
    assert.deepEqual(await types(), ['step.process', 'step.process', 'step.finished']);
  });

  it('a failed applySoon commit is thrown by the next apply, which writes nothing', async () => {
    const { kit, runId, types } = await setup();
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    kit.applySoon(runId, ev('step.process', circular));
    await nextTurn();
    await assert.rejects(kit.apply(runId, ev('step.finished')), /circular/i);
    assert.deepEqual(await types(), []);
    await kit.apply(runId, ev('step.finished'));
    assert.deepEqual(await types(), ['step.finished']);
  });
});
