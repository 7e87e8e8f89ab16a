import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPostgres, type PostgresCluster } from '../../src/store/postgres/postgres.fixture.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { project, runway } from './helpers.ts';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster?.stop());

/**
 * The runner groups changes into fewer transactions, and PostgreSQL runs a runner's transactions on
 * a pool: a step's records and events must still land in the order they happened.
 */
test('a run on PostgreSQL records each step started, then its process, then finished, and every stage in order', async () => {
  const url = await cluster.freshDatabase();
  const stages = Array.from({ length: 16 }, (_, i) => {
    const needs = i >= 4 ? `\n    needs: [s${i - 4}${i % 3 === 0 ? `, s${i - 1}` : ''}]` : '';
    return `  s${i}:${needs}\n    steps:\n      - run: 'true'\n      - run: echo "n=${i}" >> "$RUNWAY_OUTPUT"`;
  });
  const dir = project(`version: 1\nname: pg\nconcurrency: 4\nstages:\n${stages.join('\n')}\n`);
  const res = await runway(['run', '--store', url], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);

  const store = await PostgresStore.open(url);
  try {
    const [run] = await store.listRuns();
    assert.equal(run?.status, 'succeeded');
    const id = run?.id ?? 0;
    const steps = await store.steps(id);
    assert.equal(steps.length, 32);
    for (const s of steps) {
      assert.equal(s.status, 'succeeded', s.key);
      assert.equal(s.pgid, undefined, `${s.key} still holds its process group`);
      assert.ok(s.finishedAt, s.key);
    }
    assert.deepEqual(
      (await store.stages(id)).map((s) => s.status),
      Array.from({ length: 16 }, () => 'succeeded'),
    );
    const outputs = await store.outputs(id);
    assert.equal(Object.keys(outputs).length, 16);

    const events = await store.events(id);
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    const order = (type: string, key: string, field = 'step') =>
      events.findIndex((e) => e.type === type && e.data[field] === key);
    for (const s of steps) {
      const started = order('step.started', s.key);
      const proc = order('step.process', s.key);
      const finished = order('step.finished', s.key);
      assert.ok(
        started >= 0 && started < proc && proc < finished,
        `${s.key}: ${started} ${proc} ${finished}`,
      );
    }
    for (let i = 0; i < 16; i++) {
      const started = order('stage.started', `s${i}`, 'stage');
      const finished = order('stage.finished', `s${i}`, 'stage');
      assert.ok(started >= 0 && started < order('step.started', `s${i}/step-1`), `s${i}`);
      assert.ok(order('step.finished', `s${i}/step-2`) < finished, `s${i}`);
    }
  } finally {
    await store.close();
  }
});
