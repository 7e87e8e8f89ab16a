import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pipeline } from '../config/pipeline.ts';
import type { RunContext } from '../records/run-context.ts';
import type { EnvironmentRecord, RolloutRecord } from '../records/deployments.ts';
import { tier2 } from '../rollout/presets.ts';
import { newRollout } from '../rollout/state.ts';
import type { RolloutState } from '../rollout/state.ts';
import type {
  EvidenceRecord,
  MetricSampleRecord,
  NewRun,
  RunOwner,
  StageRecord,
  StepRecord,
  Store,
} from './store.ts';
import { LeaseLostError, RunTakenOverError } from './store.ts';

/** A small resolved pipeline, as a run stores it. */
export const CONTRACT_PIPELINE: Pipeline = {
  file: 'runway.yaml',
  root: '/srv/checkout',
  name: 'checkout-api',
  concurrency: 2,
  inheritEnv: ['PATH'],
  env: { SERVICE: 'checkout-api', DEBUG: false, PORT: 8080 },
  secrets: { TOKEN: { env: 'CHECKOUT_TOKEN' } },
  windows: {},
  roles: {},
  analysis: {},
  environments: {},
  service: { name: 'checkout-api', tier: 2, health: '/health' },
  stages: [
    {
      name: 'build',
      needs: [],
      env: {},
      continueOnError: false,
      services: [],
      steps: [
        {
          key: 'build/bundle',
          id: 'bundle',
          name: 'bundle',
          index: 0,
          run: 'echo "version=1.0.0" >> "$RUNWAY_OUTPUT"',
          with: {},
          env: {},
          timeoutMs: 300_000,
          retry: { count: 1, delayMs: 250 },
          continueOnError: false,
          workingDirectory: '.',
        },
      ],
    },
  ],
};

export const CONTRACT_CONTEXT: RunContext = {
  sha: '0123456789abcdef0123456789abcdef01234567',
  ref: 'refs/heads/main',
  branch: 'main',
  message: 'feat(api): quotes — "smart" ünïcode\n\nBody line',
  author: 'Ada <ada@example.com>',
  committedAt: '2026-01-02T03:04:05+01:00',
  trigger: 'manual',
};

const OWNER: RunOwner = { pid: 4242, host: 'build-1' };
const OTHER: RunOwner = { pid: 777, host: 'build-2' };

/** An ISO timestamp `s` seconds after a fixed instant. */
function t(s: number): string {
  return new Date(Date.UTC(2026, 0, 2, 3, 0, 0) + s * 1000).toISOString();
}

function newRun(over: Partial<NewRun> = {}): NewRun {
  return { pipeline: CONTRACT_PIPELINE, context: CONTRACT_CONTEXT, owner: OWNER, at: t(0), ...over };
}

function step(over: Partial<StepRecord> = {}): StepRecord {
  return {
    key: 'build/bundle',
    stage: 'build',
    id: 'bundle',
    name: 'bundle',
    index: 0,
    status: 'running',
    attempts: 1,
    flaky: false,
    failedButContinued: false,
    ...over,
  };
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Registers the behaviour every Store must have. `open` must give a fresh, empty store each call;
 * each test closes the store it opened.
 */
export function storeContract(name: string, open: () => Promise<Store> | Store): void {
  describe(`${name} store contract`, () => {
    const withStore = (fn: (store: Store) => Promise<void>) => async () => {
      const store = await open();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    it(
      'createRun returns an id and a record that round-trips pipeline and context',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        assert.ok(Number.isInteger(run.id) && run.id > 0, `id ${run.id}`);
        assert.equal(run.status, 'running');
        assert.equal(run.createdAt, t(0));
        assert.deepEqual(run.owner, OWNER);
        assert.deepEqual(run.pipeline, CONTRACT_PIPELINE);
        assert.deepEqual(run.context, CONTRACT_CONTEXT);
        assert.equal(run.finishedAt, undefined);
        assert.equal(run.cancelRequestedAt, undefined);
        assert.deepEqual(await store.getRun(run.id), run);
        const second = await store.createRun(newRun({ at: t(1) }));
        assert.ok(second.id > run.id, 'ids increase');
        assert.equal(await store.getRun(second.id + 1000), undefined);
      }),
    );

    it(
      'apply writes stage, step, outputs and evidence and returns its event with increasing seq',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const before = await store.events(run.id);
        const stage: StageRecord = { name: 'build', status: 'running', startedAt: t(1) };
        const e1 = await store.apply(
          run.id,
          { stage, event: { type: 'stage.started', data: { stage: 'build' } } },
          t(1),
        );
        assert.deepEqual(e1, {
          seq: e1.seq,
          runId: run.id,
          at: t(1),
          type: 'stage.started',
          data: { stage: 'build' },
        });
        const rec = step({ startedAt: t(2), logPath: '/logs/1/build-bundle.log', pgid: 999 });
        const e2 = await store.apply(
          run.id,
          { step: rec, event: { type: 'step.started', data: { key: rec.key } } },
          t(2),
        );
        const evidence: EvidenceRecord[] = [
          { key: 'coverage.lines', value: 83.2, stepKey: 'build/bundle', recordedAt: t(3) },
        ];
        const e3 = await store.apply(
          run.id,
          {
            outputs: { stepKey: 'build/bundle', values: { version: '1.0.0' } },
            evidence,
            event: { type: 'step.outputs', data: { nested: { list: [1, 'two', true, null] } } },
          },
          t(3),
        );
        assert.ok(e1.seq < e2.seq && e2.seq < e3.seq, `seqs ${e1.seq} ${e2.seq} ${e3.seq}`);
        assert.deepEqual(await store.stages(run.id), [stage]);
        assert.deepEqual(await store.steps(run.id), [rec]);
        assert.deepEqual(await store.outputs(run.id), { 'build/bundle': { version: '1.0.0' } });
        assert.deepEqual(await store.evidence(run.id), evidence);
        const events = await store.events(run.id);
        assert.deepEqual(events.slice(before.length), [e1, e2, e3]);
      }),
    );

    it(
      'applyAll commits its changes in order, each with its event, in one transaction',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const before = await store.events(run.id);
        const stage: StageRecord = { name: 'build', status: 'running', startedAt: t(1) };
        const rec = step({ startedAt: t(1), logPath: '/logs/1/build-bundle.log' });
        const events = await store.applyAll(
          run.id,
          [
            { stage, event: { type: 'stage.started', data: { stage: 'build' } } },
            { step: rec, event: { type: 'step.started', data: { key: rec.key } } },
          ],
          t(1),
        );
        assert.deepEqual(
          events.map((e) => [e.type, e.at, e.runId]),
          [
            ['stage.started', t(1), run.id],
            ['step.started', t(1), run.id],
          ],
        );
        assert.ok((events[0]?.seq ?? 0) < (events[1]?.seq ?? 0));
        assert.deepEqual((await store.events(run.id)).slice(before.length), events);
        assert.deepEqual(await store.stages(run.id), [stage]);
        assert.deepEqual(await store.steps(run.id), [rec]);

        // a later change that fails takes the earlier ones of its group with it
        const circular: Record<string, unknown> = {};
        circular['self'] = circular;
        await assert.rejects(
          store.applyAll(
            run.id,
            [
              { stage: { ...stage, status: 'succeeded', finishedAt: t(2) }, event: { type: 'ok', data: {} } },
              { event: { type: 'bad', data: circular } },
            ],
            t(2),
          ),
        );
        assert.deepEqual(await store.stages(run.id), [stage]);
        assert.deepEqual((await store.events(run.id)).slice(before.length), events);

        // fenced on the owner as apply is: a runner that lost the run writes none of the group
        const thief: RunOwner = { pid: 4242, host: 'other-host' };
        assert.equal(await store.claimRun(run.id, thief, t(3), t(4)), true);
        await assert.rejects(
          store.applyAll(
            run.id,
            [{ stage: { ...stage, status: 'succeeded' }, event: { type: 'late', data: {} } }],
            t(3),
            OWNER,
          ),
          RunTakenOverError,
        );
        assert.deepEqual(await store.stages(run.id), [stage]);
      }),
    );

    it(
      'apply updates the run status, finish time and reason',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        await store.apply(
          run.id,
          {
            run: { status: 'failed', finishedAt: t(9), reason: 'stage test failed' },
            event: { type: 'run.finished', data: {} },
          },
          t(9),
        );
        const got = await store.getRun(run.id);
        assert.equal(got?.status, 'failed');
        assert.equal(got?.finishedAt, t(9));
        assert.equal(got?.reason, 'stage test failed');
        assert.deepEqual(got?.pipeline, CONTRACT_PIPELINE);
      }),
    );

    it(
      'apply on a missing run throws and writes nothing',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const missing = run.id + 1000;
        const countBefore = (await store.events(run.id)).length;
        const changes = [
          { event: { type: 'x', data: {} } },
          { run: { status: 'succeeded' as const }, event: { type: 'x', data: {} } },
          { stage: { name: 'build', status: 'running' as const }, event: { type: 'x', data: {} } },
          { step: step(), event: { type: 'x', data: {} } },
          { outputs: { stepKey: 'build/bundle', values: { a: '1' } }, event: { type: 'x', data: {} } },
        ];
        for (const change of changes) {
          await assert.rejects(store.apply(missing, change, t(1)), `apply ${Object.keys(change).join('+')}`);
        }
        assert.deepEqual(await store.events(missing), []);
        assert.deepEqual(await store.stages(missing), []);
        assert.deepEqual(await store.steps(missing), []);
        assert.deepEqual(await store.outputs(missing), {});
        assert.equal(await store.getRun(missing), undefined);
        assert.equal((await store.events(run.id)).length, countBefore);
        const next = await store.apply(run.id, { event: { type: 'after', data: {} } }, t(2));
        assert.equal((await store.events(run.id)).at(-1)?.seq, next.seq);
      }),
    );

    it(
      'a change that fails part-way writes none of its parts',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const countBefore = (await store.events(run.id)).length;
        const circular: Record<string, unknown> = {};
        circular['self'] = circular;
        await assert.rejects(
          store.apply(
            run.id,
            {
              run: { status: 'succeeded' },
              stage: { name: 'build', status: 'succeeded' },
              step: step({ status: 'succeeded' }),
              outputs: { stepKey: 'build/bundle', values: { version: '9' } },
              evidence: [{ key: 'k', value: 1, stepKey: 'build/bundle', recordedAt: t(1) }],
              event: { type: 'bad', data: circular },
            },
            t(1),
          ),
        );
        assert.equal((await store.getRun(run.id))?.status, 'running');
        assert.deepEqual(await store.stages(run.id), []);
        assert.deepEqual(await store.steps(run.id), []);
        assert.deepEqual(await store.outputs(run.id), {});
        assert.deepEqual(await store.evidence(run.id), []);
        assert.equal((await store.events(run.id)).length, countBefore);
      }),
    );

    it(
      'upserts overwrite stages, steps, outputs and evidence',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const ev = (type: string) => ({ type, data: {} });
        await store.apply(run.id, { stage: { name: 'build', status: 'pending' }, event: ev('a') }, t(1));
        await store.apply(run.id, { stage: { name: 'test', status: 'pending' }, event: ev('a') }, t(1));
        const done: StageRecord = {
          name: 'build',
          status: 'failed',
          startedAt: t(1),
          finishedAt: t(5),
          reason: 'exit 2',
        };
        await store.apply(run.id, { stage: done, event: ev('b') }, t(5));
        const stages = await store.stages(run.id);
        assert.equal(stages.length, 2);
        assert.deepEqual(
          stages.find((s) => s.name === 'build'),
          done,
        );

        await store.apply(run.id, { step: step({ pgid: 55, logPath: '/l' }), event: ev('c') }, t(2));
        const final = step({
          status: 'succeeded',
          attempts: 2,
          flaky: true,
          failedButContinued: true,
          exitCode: 0,
          startedAt: t(2),
          finishedAt: t(4),
          reason: 'passed on retry',
          logPath: '/l',
          logBytes: 1234,
        });
        await store.apply(run.id, { step: final, event: ev('d') }, t(4));
        assert.deepEqual(await store.steps(run.id), [final]);

        await store.apply(
          run.id,
          { outputs: { stepKey: 'build/bundle', values: { v: '1', keep: 'k' } }, event: ev('e') },
          t(4),
        );
        await store.apply(
          run.id,
          { outputs: { stepKey: 'build/bundle', values: { v: '2' } }, event: ev('f') },
          t(5),
        );
        assert.deepEqual(await store.outputs(run.id), { 'build/bundle': { v: '2', keep: 'k' } });

        await store.apply(
          run.id,
          { evidence: [{ key: 'coverage', value: 50, stepKey: 'a/x', recordedAt: t(4) }], event: ev('g') },
          t(4),
        );
        const latest: EvidenceRecord = { key: 'coverage', value: 'n/a', stepKey: 'b/y', recordedAt: t(6) };
        await store.apply(run.id, { evidence: [latest], event: ev('h') }, t(6));
        assert.deepEqual(await store.evidence(run.id), [latest]);
      }),
    );

    it(
      'outputs are grouped by step key and kept per run',
      withStore(async (store) => {
        const a = await store.createRun(newRun());
        const b = await store.createRun(newRun());
        const ev = { type: 'outputs', data: {} };
        await store.apply(
          a.id,
          { outputs: { stepKey: 'build/bundle', values: { version: '1', digest: 'sha256:x' } }, event: ev },
          t(1),
        );
        await store.apply(
          a.id,
          { outputs: { stepKey: 'test/unit', values: { passed: '42', multi: 'l1\nl2=x' } }, event: ev },
          t(2),
        );
        await store.apply(
          b.id,
          { outputs: { stepKey: 'build/bundle', values: { version: '2' } }, event: ev },
          t(3),
        );
        assert.deepEqual(await store.outputs(a.id), {
          'build/bundle': { version: '1', digest: 'sha256:x' },
          'test/unit': { passed: '42', multi: 'l1\nl2=x' },
        });
        assert.deepEqual(await store.outputs(b.id), { 'build/bundle': { version: '2' } });
      }),
    );

    it(
      'evidence keeps numbers, booleans and strings typed',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const records: EvidenceRecord[] = [
          { key: 'coverage.lines', value: 83.2, stepKey: 'unit/tests', recordedAt: t(1) },
          { key: 'tests.passed', value: 42, stepKey: 'unit/tests', recordedAt: t(1) },
          { key: 'delta', value: -0.5, stepKey: 'unit/tests', recordedAt: t(1) },
          { key: 'zero', value: 0, stepKey: 'unit/tests', recordedAt: t(1) },
          { key: 'tests.flaky', value: false, stepKey: 'unit/tests', recordedAt: t(1) },
          { key: 'signed', value: true, stepKey: 'sign/sbom', recordedAt: t(2) },
          { key: 'grade', value: 'A', stepKey: 'scan/sec', recordedAt: t(2) },
          { key: 'looks.numeric', value: '42', stepKey: 'scan/sec', recordedAt: t(2) },
          { key: 'looks.bool', value: 'true', stepKey: 'scan/sec', recordedAt: t(2) },
          { key: 'empty', value: '', stepKey: 'scan/sec', recordedAt: t(2) },
        ];
        await store.apply(run.id, { evidence: records, event: { type: 'evidence', data: {} } }, t(2));
        const got = [...(await store.evidence(run.id))].sort(byKey);
        assert.deepEqual(got, [...records].sort(byKey));
        for (const r of got) {
          const sent = records.find((x) => x.key === r.key);
          assert.equal(typeof r.value, typeof sent?.value, r.key);
        }
      }),
    );

    it(
      'events(afterSeq) gives only later events of that run, in order',
      withStore(async (store) => {
        const a = await store.createRun(newRun());
        const b = await store.createRun(newRun());
        const seqs: number[] = [];
        for (let i = 0; i < 5; i++) {
          const e = await store.apply(a.id, { event: { type: 'tick', data: { i } } }, t(i));
          seqs.push(e.seq);
          await store.apply(b.id, { event: { type: 'other', data: { i } } }, t(i));
        }
        const all = await store.events(a.id);
        assert.ok(all.every((e) => e.runId === a.id));
        assert.deepEqual(
          all.map((e) => e.seq),
          [...all.map((e) => e.seq)].sort((x, y) => x - y),
        );
        const later = await store.events(a.id, seqs[1]);
        assert.deepEqual(
          later.map((e) => e.data['i']),
          [2, 3, 4],
        );
        assert.deepEqual(
          later.map((e) => e.seq),
          seqs.slice(2),
        );
        assert.deepEqual(await store.events(a.id, seqs[4]), []);
        assert.deepEqual(
          (await store.events(b.id)).filter((e) => e.type === 'tick'),
          [],
        );
      }),
    );

    it(
      'claimRun: the owner keeps it, a fresh other owner is refused, a stale one is replaced',
      withStore(async (store) => {
        const run = await store.createRun(newRun({ at: t(0) }));
        // the same owner may always claim, which renews its heartbeat
        assert.equal(await store.claimRun(run.id, OWNER, t(10), t(-100)), true);
        assert.equal((await store.getRun(run.id))?.heartbeatAt, t(10));
        // another process while the heartbeat (t10) is newer than staleBefore (t5): refused
        assert.equal(await store.claimRun(run.id, OTHER, t(20), t(5)), false);
        let got = await store.getRun(run.id);
        assert.deepEqual(got?.owner, OWNER);
        assert.equal(got?.heartbeatAt, t(10));
        // same pid on another host is another owner
        assert.equal(await store.claimRun(run.id, { pid: OWNER.pid, host: 'elsewhere' }, t(20), t(5)), false);
        // a heartbeat keeps the lease fresh
        await store.heartbeat(run.id, OWNER, t(30));
        assert.equal(await store.claimRun(run.id, OTHER, t(31), t(25)), false);
        // once the heartbeat is older than staleBefore, another process takes it
        assert.equal(await store.claimRun(run.id, OTHER, t(40), t(35)), true);
        got = await store.getRun(run.id);
        assert.deepEqual(got?.owner, OTHER);
        assert.equal(got?.heartbeatAt, t(40));
        // the old owner's heartbeats no longer count, nor can it claim back a fresh lease
        await store.heartbeat(run.id, OWNER, t(50));
        assert.equal((await store.getRun(run.id))?.heartbeatAt, t(40));
        assert.equal(await store.claimRun(run.id, OWNER, t(41), t(39)), false);
        // a run that does not exist cannot be claimed
        assert.equal(await store.claimRun(run.id + 1000, OWNER, t(1), t(0)), false);
      }),
    );

    it(
      'fencing: a runner that lost its run cannot write to it, and its heartbeat says so',
      withStore(async (store) => {
        const run = await store.createRun(newRun({ at: t(0) }));
        assert.equal(await store.heartbeat(run.id, OWNER, t(1)), true);
        await store.apply(run.id, { event: { type: 'tick', data: {} } }, t(2), OWNER);
        assert.equal(await store.claimRun(run.id, OTHER, t(40), t(35)), true);
        assert.equal(await store.heartbeat(run.id, OWNER, t(41)), false);
        const before = (await store.events(run.id)).length;
        await assert.rejects(
          store.apply(run.id, { run: { status: 'failed' }, event: { type: 'late', data: {} } }, t(42), OWNER),
          (err: Error) =>
            err instanceof RunTakenOverError &&
            new RegExp(`process ${OTHER.pid} on ${OTHER.host}`).test(err.message),
        );
        assert.equal((await store.getRun(run.id))?.status, 'running', 'the fenced change wrote nothing');
        assert.equal((await store.events(run.id)).length, before);
        await store.apply(run.id, { event: { type: 'tick', data: {} } }, t(43), OTHER);
        await store.apply(run.id, { event: { type: 'unfenced', data: {} } }, t(44));
        assert.equal((await store.events(run.id)).length, before + 2);
      }),
    );

    it(
      'requestCancel records the first request only',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const other = await store.createRun(newRun());
        await store.requestCancel(run.id, t(5));
        assert.equal((await store.getRun(run.id))?.cancelRequestedAt, t(5));
        await store.requestCancel(run.id, t(9));
        assert.equal((await store.getRun(run.id))?.cancelRequestedAt, t(5));
        assert.equal((await store.getRun(other.id))?.cancelRequestedAt, undefined);
        await store.requestCancel(run.id + 1000, t(9)); // no such run: nothing happens
      }),
    );

    it(
      'listRuns gives the newest first, honours limit and filters by status',
      withStore(async (store) => {
        assert.deepEqual(await store.listRuns(), []);
        const ids: number[] = [];
        for (let i = 0; i < 6; i++) ids.push((await store.createRun(newRun({ at: t(i) }))).id);
        const finish = async (id: number, status: 'succeeded' | 'failed' | 'cancelled') =>
          store.apply(
            id,
            { run: { status, finishedAt: t(100) }, event: { type: 'run.finished', data: {} } },
            t(100),
          );
        await finish(ids[0] as number, 'succeeded');
        await finish(ids[2] as number, 'failed');
        await finish(ids[3] as number, 'succeeded');
        await finish(ids[5] as number, 'cancelled');

        const newestFirst = [...ids].reverse();
        assert.deepEqual(
          (await store.listRuns()).map((r) => r.id),
          newestFirst,
        );
        assert.deepEqual(
          (await store.listRuns({ limit: 2 })).map((r) => r.id),
          newestFirst.slice(0, 2),
        );
        assert.deepEqual(
          (await store.listRuns({ status: 'succeeded' })).map((r) => r.id),
          [ids[3], ids[0]],
        );
        assert.deepEqual(
          (await store.listRuns({ status: 'running' })).map((r) => r.id),
          [ids[4], ids[1]],
        );
        assert.deepEqual(
          (await store.listRuns({ status: 'succeeded', limit: 1 })).map((r) => r.id),
          [ids[3]],
        );
        const [first] = await store.listRuns({ status: 'cancelled' });
        assert.equal(first?.id, ids[5]);
        assert.deepEqual(first?.context, CONTRACT_CONTEXT);
        assert.equal(first?.finishedAt, t(100));
      }),
    );

    it(
      'recordDecision keeps the whole decision and its input; decisions() filters, newest first',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const base = {
          gate: 'release',
          service: 'checkout-api',
          outcome: 'deny',
          decision: {
            outcome: 'deny',
            violations: [{ rule: 'window', message: 'outside deployment window: weekend' }],
          },
          input: { window: { open: false, reason: 'weekend' }, token: '[redacted]' },
          inputDigest: 'sha256:abc',
          evaluatedAt: t(10),
        };
        const first = await store.recordDecision({
          ...base,
          environment: 'production',
          runId: run.id,
          stepKey: 'gate/release',
        });
        const second = await store.recordDecision({
          ...base,
          environment: 'staging',
          outcome: 'allow',
          strategy: 'tier2-standard',
        });
        assert.ok(second > first);
        const all = await store.decisions();
        assert.deepEqual(
          all.map((d) => d.id),
          [second, first],
        );
        const [prod] = await store.decisions({ environment: 'production' });
        assert.equal(prod?.runId, run.id);
        assert.equal(prod?.stepKey, 'gate/release');
        assert.deepEqual(prod?.decision, base.decision);
        assert.deepEqual(prod?.input, base.input);
        assert.equal((await store.decisions({ runId: run.id })).length, 1);
        assert.equal((await store.decisions({ service: 'other' })).length, 0);
        assert.equal((await store.decisions({ limit: 1 }))[0]?.strategy, 'tier2-standard');
      }),
    );

    it(
      'incidents open once, resolve by id or fingerprint, and filter by service and state',
      withStore(async (store) => {
        const p1 = {
          id: 'am:f1:1',
          service: 'checkout-api',
          severity: 'P1',
          title: 'errors',
          source: 'alertmanager',
          fingerprint: 'f1',
          openedAt: t(1),
        };
        assert.equal(await store.openIncident(p1), true);
        assert.equal(await store.openIncident({ ...p1, title: 'again' }), false, 'same id opens once');
        await store.openIncident({
          id: 'cli:2',
          service: 'checkout-api',
          severity: 'P2',
          title: 'slow',
          source: 'cli',
          openedAt: t(2),
        });
        await store.openIncident({
          id: 'cli:3',
          service: 'billing',
          severity: 'P1',
          title: 'down',
          source: 'cli',
          openedAt: t(3),
        });
        assert.deepEqual(
          (await store.incidents({ service: 'checkout-api', open: true })).map((i) => i.id),
          ['cli:2', 'am:f1:1'],
        );
        assert.deepEqual(await store.resolveIncident({ fingerprint: 'f1' }, t(5)), ['am:f1:1']);
        assert.deepEqual(await store.resolveIncident({ fingerprint: 'f1' }, t(6)), [], 'already resolved');
        assert.deepEqual(await store.resolveIncident({ id: 'cli:3' }, t(7)), ['cli:3']);
        const open = await store.incidents({ open: true });
        assert.deepEqual(
          open.map((i) => i.id),
          ['cli:2'],
        );
        const all = await store.incidents();
        assert.equal(all.find((i) => i.id === 'am:f1:1')?.resolvedAt, t(5));
        assert.equal(all.find((i) => i.id === 'am:f1:1')?.title, 'errors');
      }),
    );

    it(
      'an approver gives one verdict per step; approvals are listed per run and step',
      withStore(async (store) => {
        const run = await store.createRun(newRun());
        const base = { runId: run.id, stepKey: 'gate/uat', at: t(1) };
        assert.equal(
          await store.recordApproval({
            ...base,
            approver: 'po@example.com',
            verdict: 'approve',
            comment: 'UAT ok',
          }),
          true,
        );
        assert.equal(
          await store.recordApproval({ ...base, approver: 'po@example.com', verdict: 'reject' }),
          false,
        );
        await store.recordApproval({
          ...base,
          stepKey: 'gate/other',
          approver: 'rm@example.com',
          verdict: 'reject',
          at: t(2),
        });
        const uat = await store.approvals(run.id, 'gate/uat');
        assert.deepEqual(uat, [
          { ...base, approver: 'po@example.com', verdict: 'approve', comment: 'UAT ok' },
        ]);
        assert.equal((await store.approvals(run.id)).length, 2);
      }),
    );

    it(
      'overrides are active from grant until expiry or revocation',
      withStore(async (store) => {
        const base = {
          service: 'checkout-api',
          environment: 'production',
          reason: 'hotfix for P1',
          grantedBy: 'rm@example.com',
          grantedAt: t(0),
          expiresAt: t(100),
        };
        const all = await store.grantOverride({ ...base, rules: [] });
        const window = await store.grantOverride({ ...base, rules: ['window'], expiresAt: t(50) });
        await store.grantOverride({ ...base, environment: 'staging', rules: [] });
        const at = (s: number) =>
          store.overrides({ service: 'checkout-api', environment: 'production', activeAt: t(s) });
        assert.deepEqual(
          (await at(10)).map((o) => o.id),
          [window, all],
        );
        assert.deepEqual(
          (await at(60)).map((o) => o.id),
          [all],
          'expired at 50',
        );
        assert.equal(await store.revokeOverride(all, t(70)), true);
        assert.equal(await store.revokeOverride(all, t(71)), false);
        assert.deepEqual(await at(80), []);
        const history = await store.overrides({ service: 'checkout-api' });
        assert.equal(history.length, 3);
        assert.equal(history.find((o) => o.id === all)?.revokedAt, t(70));
        assert.deepEqual(history.find((o) => o.id === window)?.rules, ['window']);
      }),
    );

    it(
      'an override scheduled with validFrom applies from then, not from when it was granted',
      withStore(async (store) => {
        const id = await store.grantOverride({
          service: 'checkout-api',
          environment: 'production',
          rules: ['window'],
          reason: 'Saturday maintenance release',
          grantedBy: 'rm@example.com',
          grantedAt: t(0),
          validFrom: t(50),
          expiresAt: t(60),
        });
        const at = (s: number) =>
          store.overrides({ service: 'checkout-api', environment: 'production', activeAt: t(s) });
        assert.deepEqual(await at(10), [], 'granted, not yet valid');
        assert.deepEqual(
          (await at(55)).map((o) => [o.id, o.validFrom]),
          [[id, t(50)]],
        );
        assert.deepEqual(await at(60), [], 'expired');
      }),
    );

    it(
      'saveDeployment persists environment, rollout and consumed commands together',
      withStore(async (store) => {
        const env = contractEnvironment();
        const rollout = contractRollout('r1', 'progressing');
        await store.saveDeployment({ environment: env, rollout, at: t(1) });
        assert.deepEqual(await store.getEnvironment('checkout-api', 'production'), env);
        assert.equal(await store.getEnvironment('checkout-api', 'staging'), undefined);
        assert.deepEqual(await store.getRollout('r1'), rollout);
        assert.deepEqual(await store.rolloutByKey('run-1/canary/rollout'), rollout);
        const first = await store.addRolloutCommand({
          rolloutId: 'r1',
          command: 'promote',
          by: 'a',
          at: t(2),
        });
        const second = await store.addRolloutCommand({
          rolloutId: 'r1',
          command: 'abort',
          by: 'b',
          at: t(3),
        });
        assert.deepEqual(
          (await store.pendingRolloutCommands('r1')).map((c) => c.command),
          ['promote', 'abort'],
        );
        await store.saveDeployment({
          rollout: contractRollout('r1', 'rolled-back'),
          consumed: [{ id: first, error: 'nothing is paused' }, { id: second }],
          at: t(4),
        });
        assert.deepEqual(await store.pendingRolloutCommands('r1'), []);
        assert.equal((await store.getRolloutCommand(first))?.error, 'nothing is paused');
        assert.equal((await store.getRolloutCommand(second))?.consumedAt, t(4));
        assert.equal((await store.getRollout('r1'))?.state.phase, 'rolled-back');
        assert.deepEqual(await store.rollouts({ active: true }), []);
        await store.saveDeployment({ rollout: contractRollout('r2', 'paused'), at: t(5) });
        assert.deepEqual(
          (await store.rollouts({ service: 'checkout-api' })).map((r) => r.id),
          ['r2', 'r1'],
        );
        assert.deepEqual(
          (await store.rollouts({ active: true })).map((r) => r.id),
          ['r2'],
        );
        assert.equal((await store.environments()).length, 1);
      }),
    );

    it(
      'a lease has one holder: kept by it, refused to others while fresh, taken over once stale',
      withStore(async (store) => {
        const lease = 'env:checkout-api/production';
        assert.equal(await store.acquireLease(lease, 'cp-a', t(0), t(-10)), 1);
        assert.equal(await store.acquireLease(lease, 'cp-a', t(1), t(-9)), 1, 'the holder keeps its token');
        assert.equal(await store.acquireLease(lease, 'cp-b', t(2), t(-8)), undefined, 'fresh: refused');
        assert.equal(await store.renewLease(lease, 'cp-a', 1, t(5)), true);
        assert.equal(await store.acquireLease(lease, 'cp-b', t(14), t(4)), undefined, 'renewed at 5: fresh');
        assert.equal(await store.acquireLease(lease, 'cp-b', t(16), t(6)), 2, 'stale: taken, token grows');
        assert.equal(await store.renewLease(lease, 'cp-a', 1, t(17)), false, 'the former holder lost it');
        assert.equal(await store.acquireLease(lease, 'cp-a', t(18), t(8)), undefined);
        assert.equal(await store.renewLease(lease, 'cp-b', 2, t(18)), true);
        assert.equal(await store.acquireLease('env:other/production', 'cp-a', t(18), t(8)), 1, 'per name');
      }),
    );

    it(
      'a released lease may be taken at once; releasing with a lost token changes nothing',
      withStore(async (store) => {
        const lease = 'env:checkout-api/production';
        assert.equal(await store.acquireLease(lease, 'cp-a', t(0), t(-10)), 1);
        await store.releaseLease(lease, 'cp-a', 7);
        assert.equal(await store.acquireLease(lease, 'cp-b', t(1), t(-9)), undefined);
        await store.releaseLease(lease, 'cp-a', 1);
        assert.equal(await store.acquireLease(lease, 'cp-b', t(1), t(-9)), 2);
      }),
    );

    it(
      'of holders racing for a stale lease exactly one wins',
      withStore(async (store) => {
        const lease = 'env:checkout-api/production';
        await store.acquireLease(lease, 'cp-0', t(0), t(-10));
        const holders = ['cp-1', 'cp-2', 'cp-3', 'cp-4', 'cp-5'];
        const tokens = await Promise.all(holders.map((h) => store.acquireLease(lease, h, t(20), t(10))));
        assert.deepEqual(
          tokens.filter((x) => x !== undefined),
          [2],
        );
      }),
    );

    it(
      'a fenced saveDeployment writes while its lease is held and nothing once it was taken over',
      withStore(async (store) => {
        const lease = 'env:checkout-api/production';
        const token = (await store.acquireLease(lease, 'cp-a', t(0), t(-10)))!;
        const env = contractEnvironment();
        await store.saveDeployment({
          environment: env,
          rollout: contractRollout('r1', 'progressing'),
          at: t(1),
          fence: { lease, token },
        });
        assert.deepEqual(await store.getEnvironment('checkout-api', 'production'), env);
        const command = await store.addRolloutCommand({
          rolloutId: 'r1',
          command: 'promote',
          by: 'a',
          at: t(2),
        });
        assert.equal(await store.acquireLease(lease, 'cp-b', t(30), t(20)), token + 1);
        await assert.rejects(
          store.saveDeployment({
            environment: { ...env, weights: { v2: 1000 } },
            rollout: contractRollout('r1', 'rolled-back'),
            consumed: [{ id: command }],
            at: t(31),
            fence: { lease, token },
          }),
          (err: Error) =>
            err instanceof LeaseLostError && /another control plane took it over/.test(err.message),
        );
        assert.deepEqual(await store.getEnvironment('checkout-api', 'production'), env);
        assert.equal((await store.getRollout('r1'))?.state.phase, 'progressing');
        assert.equal((await store.getRolloutCommand(command))?.consumedAt, undefined);
        await assert.rejects(
          store.saveDeployment({
            environment: env,
            at: t(32),
            fence: { lease: 'env:never/taken', token: 1 },
          }),
          LeaseLostError,
        );
      }),
    );

    it(
      'analysis runs are saved, loaded and listed while unfinished',
      withStore(async (store) => {
        await store.saveAnalysisRun('r1#1/step-1', 'r1', { measurements: [1] }, false);
        await store.saveAnalysisRun('r1#1/step-3', 'r1', { measurements: [] }, true);
        assert.deepEqual(await store.loadAnalysisRun('r1#1/step-1'), { measurements: [1] });
        assert.equal(await store.loadAnalysisRun('nope'), undefined);
        assert.deepEqual(
          (await store.activeAnalysisRuns('r1')).map((r) => r.runId),
          ['r1#1/step-1'],
        );
        await store.saveAnalysisRun('r1#1/step-1', 'r1', { measurements: [1, 2] }, true);
        assert.deepEqual(await store.activeAnalysisRuns(), []);
      }),
    );

    it(
      'metric samples are read back per series, oldest first, within inclusive bounds',
      withStore(async (store) => {
        const prod = { service: 'checkout-api', environment: 'production' };
        const sample = (
          s: number,
          total: number,
          errors: number,
          over: Partial<MetricSampleRecord> = {},
        ) => ({
          ...prod,
          at: t(s),
          total,
          errors,
          ...over,
        });
        await store.recordMetricSamples([
          sample(20, 300, 3),
          sample(0, 100, 1),
          sample(10, 200, 2),
          sample(30, 50, 0, { reset: true }),
          sample(10, 999, 9, { environment: 'staging' }),
          sample(10, 888, 8, { service: 'search' }),
        ]);
        await store.recordMetricSamples([]);
        await store.recordMetricSamples([sample(10, 123, 4)]);
        assert.deepEqual(await store.metricSamples(prod), [
          sample(0, 100, 1),
          sample(10, 200, 2),
          sample(20, 300, 3),
          sample(30, 50, 0, { reset: true }),
        ]);
        assert.deepEqual(
          (await store.metricSamples({ ...prod, from: t(10), to: t(20) })).map((r) => r.at),
          [t(10), t(20)],
        );
        assert.deepEqual(
          (await store.metricSamples({ ...prod, from: t(11) })).map((r) => r.at),
          [t(20), t(30)],
        );
        assert.deepEqual(
          (await store.metricSamples({ ...prod, to: t(9) })).map((r) => r.at),
          [t(0)],
        );
        assert.deepEqual(await store.metricSamples({ ...prod, environment: 'qa' }), []);
        assert.deepEqual(await store.metricSamples({ service: 'checkout-api', environment: 'staging' }), [
          sample(10, 999, 9, { environment: 'staging' }),
        ]);
      }),
    );

    it(
      'metric samples are deleted by time in one series, and pruned by age in all',
      withStore(async (store) => {
        const prod = { service: 'checkout-api', environment: 'production' };
        const staging = { service: 'checkout-api', environment: 'staging' };
        const samples = [prod, staging].flatMap((series) =>
          [0, 10, 20, 30].map((s) => ({ ...series, at: t(s), total: s, errors: 0 })),
        );
        await store.recordMetricSamples(samples);
        assert.equal(await store.deleteMetricSamples(prod, [t(10), t(20), t(25)]), 2);
        assert.equal(await store.deleteMetricSamples(prod, []), 0);
        assert.deepEqual(
          (await store.metricSamples(prod)).map((r) => r.at),
          [t(0), t(30)],
        );
        assert.equal((await store.metricSamples(staging)).length, 4);
        assert.equal(await store.pruneMetricSamples(t(20)), 3);
        assert.deepEqual(
          (await store.metricSamples(prod)).map((r) => r.at),
          [t(30)],
        );
        assert.deepEqual(
          (await store.metricSamples(staging)).map((r) => r.at),
          [t(20), t(30)],
        );
        await assert.rejects(
          store.recordMetricSamples([{ ...prod, at: 'yesterday', total: 1, errors: 0 }]),
          /invalid time "yesterday"/,
        );
      }),
    );

    it(
      'an external approval counts verdicts for the newest revision asked for, once per approver',
      withStore(async (store) => {
        const gate = 'flagger/test/podinfo';
        const ask = { gate, service: 'podinfo', required: 1, roles: ['product-owner'] };
        assert.equal(await store.externalApproval(gate), undefined);
        assert.equal(
          await store.requestExternalApproval({ ...ask, revision: 'aaa', requestedAt: t(1) }),
          true,
        );
        assert.equal(
          await store.requestExternalApproval({ ...ask, revision: 'aaa', requestedAt: t(2) }),
          false,
        );
        const verdict = { gate, revision: 'aaa', approver: 'po@example.com', verdict: 'approve' as const };
        assert.equal(await store.recordExternalVerdict({ ...verdict, at: t(3) }), true);
        assert.equal(await store.recordExternalVerdict({ ...verdict, verdict: 'reject', at: t(4) }), false);
        assert.deepEqual(await store.externalApproval(gate), {
          ...ask,
          revision: 'aaa',
          requestedAt: t(1),
          verdicts: [{ approver: 'po@example.com', verdict: 'approve', at: t(3) }],
        });
        await store.requestExternalApproval({ ...ask, revision: 'bbb', requestedAt: t(5) });
        const next = await store.externalApproval(gate);
        assert.equal(next?.revision, 'bbb');
        assert.deepEqual(next?.verdicts, []);
      }),
    );

    it(
      'external events are kept newest first and filtered by service',
      withStore(async (store) => {
        const event = { source: 'flagger', namespace: 'test', revision: 'aaa', type: 'Normal' };
        await store.recordExternalEvent({
          ...event,
          name: 'podinfo',
          service: 'podinfo',
          phase: 'Progressing',
          at: t(1),
        });
        await store.recordExternalEvent({
          ...event,
          name: 'podinfo',
          service: 'podinfo',
          phase: 'Succeeded',
          message: 'done',
          at: t(2),
        });
        await store.recordExternalEvent({
          ...event,
          name: 'other',
          service: 'other',
          phase: 'Failed',
          at: t(3),
        });
        assert.deepEqual(
          (await store.externalEvents({ service: 'podinfo' })).map((e) => [e.phase, e.message]),
          [
            ['Succeeded', 'done'],
            ['Progressing', undefined],
          ],
        );
        assert.equal((await store.externalEvents({ limit: 1 }))[0]?.name, 'other');
      }),
    );

    it(
      'a notification delivery is replaced by id as its attempts go on, and listed newest first by run',
      withStore(async (store) => {
        const base = {
          subscription: 'team-slack',
          kind: 'slack',
          event: 'run.succeeded',
          service: 'checkout-api',
          title: 'checkout-api: run #1 succeeded in 42s',
          createdAt: t(0),
        };
        await store.recordDelivery({
          ...base,
          id: 'd1',
          runId: 1,
          status: 'pending',
          attempts: 1,
          updatedAt: t(0),
        });
        await store.recordDelivery({
          ...base,
          id: 'd1',
          runId: 1,
          status: 'pending',
          attempts: 2,
          error: 'hooks.slack.com answered 500',
          updatedAt: t(1),
        });
        await store.recordDelivery({
          ...base,
          id: 'd1',
          runId: 1,
          status: 'delivered',
          attempts: 3,
          updatedAt: t(3),
        });
        await store.recordDelivery({
          ...base,
          id: 'd2',
          event: 'rollout.rolled-back',
          environment: 'production',
          rolloutId: 'r1',
          status: 'failed',
          attempts: 1,
          error: 'hooks.slack.com answered 404',
          createdAt: t(5),
          updatedAt: t(5),
        });
        const all = await store.deliveries();
        assert.deepEqual(
          all.map((d) => [d.id, d.status, d.attempts]),
          [
            ['d2', 'failed', 1],
            ['d1', 'delivered', 3],
          ],
        );
        assert.equal(all[1]!.error, undefined, 'a delivered record keeps no stale error');
        assert.deepEqual(
          (await store.deliveries({ runId: 1 })).map((d) => d.id),
          ['d1'],
        );
        assert.equal((await store.deliveries({ limit: 1 })).length, 1);
      }),
    );

    it(
      'DORA over whole weeks (the rollups) gives the hand count of the records, and follows a later change',
      withStore(async (store) => {
        const DAY = 86_400;
        const phases = ['completed', 'rolled-back', 'completed', 'completed', 'rolled-back', 'completed'];
        for (const [i, phase] of phases.entries()) {
          const base = contractRollout(`w${i}`, 'progressing');
          const finishedAt = t(i * 6 * DAY + 600);
          const rollout = {
            ...base,
            createdAt: t(i * 6 * DAY),
            state: { ...base.state, phase: phase as RolloutState['phase'], finishedAt },
          };
          await store.saveDeployment({ rollout, at: finishedAt });
        }
        const window = { environment: 'production', from: t(-DAY), to: t(40 * DAY) };
        const before = await store.deploymentStats(window);
        assert.deepEqual([before.deployments, before.succeeded, before.failed], [6, 4, 2]);
        // one day of it alone: only the rows at the edge
        const one = await store.deploymentStats({ ...window, from: t(12 * DAY), to: t(13 * DAY) });
        assert.deepEqual([one.deployments, one.succeeded], [1, 1]);
        // an incident right after the last deployment makes it a failed change
        await store.openIncident({
          id: 'inc-w',
          service: 'checkout-api',
          severity: 'P2',
          title: 'errors',
          source: 'cli',
          openedAt: t(5 * 6 * DAY + 700),
        });
        const after = await store.deploymentStats(window);
        assert.deepEqual([after.deployments, after.succeeded, after.failed], [6, 4, 3]);
      }),
    );

    it(
      'a rollout is a deployment record; an incident links to it and DORA counts it once finished',
      withStore(async (store) => {
        const rollout = contractRollout('r1', 'progressing');
        await store.saveDeployment({ rollout, at: t(1) });
        assert.deepEqual(
          (await store.deployments()).map((d) => [d.id, d.environment, d.outcome]),
          [['r1', 'production', 'in-progress']],
        );
        const finished = {
          ...rollout,
          state: { ...rollout.state, phase: 'completed' as const, finishedAt: t(60) },
        };
        await store.saveDeployment({ rollout: finished, at: t(60) });
        await store.openIncident({
          id: 'inc-9',
          service: 'checkout-api',
          severity: 'P2',
          title: 'slow',
          source: 'cli',
          openedAt: t(120),
        });
        const [d] = await store.deployments({ service: 'checkout-api' });
        assert.deepEqual([d?.outcome, d?.incidentId, d?.version], ['succeeded', 'inc-9', 'v2']);
        const stats = await store.deploymentStats({ environment: 'production', from: t(0), to: t(3600) });
        assert.deepEqual(
          [stats.deployments, stats.succeeded, stats.failed],
          [1, 1, 1],
          'followed by an incident, it failed',
        );
        assert.equal(
          (await store.deploymentStats({ environment: 'staging', from: t(0), to: t(3600) })).deployments,
          0,
        );
      }),
    );

    it(
      'webhook deliveries: the first claim of a delivery id wins, every later one is refused',
      withStore(async (store) => {
        assert.equal(await store.claimWebhookDelivery('d-1', 'push', t(0)), true);
        assert.equal(await store.claimWebhookDelivery('d-1', 'push', t(1)), false);
        assert.equal(await store.claimWebhookDelivery('d-1', 'pull_request', t(2)), false);
        assert.equal(await store.claimWebhookDelivery('d-2', 'push', t(3)), true);
      }),
    );

    it(
      'api tokens: created once by name, found by hash, listed, revoked by id or name',
      withStore(async (store) => {
        const token = {
          id: 'tok_1',
          name: 'ci',
          role: 'deployer',
          services: ['checkout-api'],
          environments: ['staging'],
          hash: 'a'.repeat(64),
          createdAt: t(0),
        };
        assert.equal(await store.createApiToken(token), true);
        assert.equal(await store.createApiToken({ ...token, id: 'tok_2', hash: 'b'.repeat(64) }), false);
        assert.deepEqual(await store.apiTokenByHash('a'.repeat(64)), token);
        assert.equal(await store.apiTokenByHash('c'.repeat(64)), undefined);
        await store.createApiToken({
          ...token,
          id: 'tok_3',
          name: 'viewer',
          role: 'viewer',
          services: [],
          environments: [],
          hash: 'd'.repeat(64),
          createdAt: t(1),
        });
        assert.deepEqual(
          (await store.apiTokens()).map((x) => x.name),
          ['ci', 'viewer'],
        );
        assert.equal(await store.revokeApiToken('viewer', t(2)), true);
        assert.equal(await store.revokeApiToken('tok_3', t(3)), false, 'already revoked');
        assert.equal((await store.apiTokenByHash('d'.repeat(64)))?.revokedAt, t(2));
        assert.equal(await store.revokeApiToken('tok_1', t(4)), true);
      }),
    );

    it(
      'the audit log appends entries and lists them newest first, by token',
      withStore(async (store) => {
        const e = {
          at: t(0),
          tokenId: 'tok_1',
          tokenName: 'ci',
          role: 'deployer',
          method: 'POST',
          path: '/v1/rollouts',
          status: 201,
        };
        const first = await store.recordAudit(e);
        const second = await store.recordAudit({
          ...e,
          at: t(1),
          tokenId: 'tok_2',
          tokenName: 'viewer',
          role: 'viewer',
          status: 403,
          error: 'needs role deployer',
        });
        assert.ok(second > first);
        assert.deepEqual(await store.auditLog(), [
          {
            id: second,
            ...e,
            at: t(1),
            tokenId: 'tok_2',
            tokenName: 'viewer',
            role: 'viewer',
            status: 403,
            error: 'needs role deployer',
          },
          { id: first, ...e },
        ]);
        assert.deepEqual(
          (await store.auditLog({ token: 'ci' })).map((x) => x.id),
          [first],
        );
        assert.deepEqual(
          (await store.auditLog({ limit: 1 })).map((x) => x.id),
          [second],
        );
      }),
    );
  });
}

function contractEnvironment(): EnvironmentRecord {
  const release = {
    version: 'v1',
    revision: 1,
    command: 'node server.js',
    cwd: '/srv/releases/v1',
    env: { MODE: 'prod' },
    replicas: 2,
    health: '/health',
  };
  return {
    service: 'checkout-api',
    environment: 'production',
    port: 4000,
    stable: release,
    running: { v1: release },
    weights: { v1: 1000 },
    revisions: {
      service: 'checkout-api',
      environment: 'production',
      limit: 10,
      revisions: [{ number: 1, version: 'v1', recordedAt: t(0) }],
    },
    releases: { v1: release },
    updatedAt: t(1),
  };
}

export function contractRollout(id: string, phase: RolloutState['phase']): RolloutRecord {
  const stable = contractEnvironment().stable!;
  const canary = { ...stable, version: 'v2', revision: 2, cwd: '/srv/releases/v2' };
  const state = {
    ...newRollout(
      {
        id,
        service: 'checkout-api',
        environment: 'production',
        stable: { version: 'v1', revision: 1 },
        canary: { version: 'v2', revision: 2 },
        strategy: tier2(),
        replicas: 2,
      },
      new Date(t(1)),
    ),
    phase,
  };
  return {
    id,
    service: 'checkout-api',
    environment: 'production',
    state,
    canary,
    stable,
    analysis: { 'health-check': { metrics: [] } },
    args: { service: 'checkout-api' },
    ...(id === 'r1' ? { key: 'run-1/canary/rollout' } : {}),
    createdAt: id === 'r1' ? t(1) : t(5),
    updatedAt: t(1),
  };
}
