/*
 * `runway dora --json` over a store written through the real SQLite store the way the control
 * plane writes it (runs, rollouts saved by saveDeployment, incidents), against a hand count of
 * the same records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { ReleaseSpec, RolloutRecord } from '../../src/deploy/records.ts';
import { tier2 } from '../../src/rollout/presets.ts';
import { rolloutOf } from '../../src/rollout/rollout.fixture.ts';
import type { Phase } from '../../src/rollout/state.ts';
import { CONTRACT_CONTEXT, CONTRACT_PIPELINE } from '../../src/store/store.contract.ts';
import { openStore } from '../../src/store/open.ts';
import type { DoraReport } from '../../src/telemetry/dora.ts';
import { runway } from './helpers.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const spec = (version: string): ReleaseSpec => ({
  version,
  revision: 1,
  command: 'node server.js',
  cwd: '/srv',
  env: {},
  replicas: 1,
  health: '/health',
});

describe('runway dora over deployment records', { timeout: 60_000 }, () => {
  let db: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runway-dora-'));
    db = join(dir, 'runway.db');
    const store = await openStore(db);
    let n = 0;
    const deploy = async (o: {
      message: string;
      committedAt: string;
      startedAt: string;
      finishedAt: string;
      phase: Phase;
      environment?: string;
      first?: boolean;
      rehearsal?: boolean;
    }): Promise<string> => {
      n++;
      const run = await store.createRun({
        pipeline: CONTRACT_PIPELINE,
        context: {
          ...CONTRACT_CONTEXT,
          sha: `${n}`.padStart(40, 'a'),
          message: o.message,
          committedAt: o.committedAt,
        },
        owner: { pid: 1, host: 'ci' },
        at: o.startedAt,
      });
      const id = `d${n}`;
      const state = {
        ...rolloutOf(tier2(), new Date(o.startedAt), id),
        phase: o.phase,
        finishedAt: o.finishedAt,
      };
      const rollout: RolloutRecord = {
        id,
        service: 'checkout-api',
        environment: o.environment ?? 'production',
        state: { ...state, environment: o.environment ?? 'production' },
        canary: spec(`v${n}`),
        ...(o.first ? {} : { stable: spec(`v${n - 1}`) }),
        analysis: {},
        args: {},
        ...(o.rehearsal ? { rehearsal: true } : {}),
        runId: run.id,
        createdAt: o.startedAt,
        updatedAt: o.finishedAt,
      };
      // as the controller does: first in progress, then finished
      await store.saveDeployment({
        rollout: { ...rollout, state: { ...rollout.state, phase: 'progressing' } },
        at: o.startedAt,
      });
      await store.saveDeployment({ rollout, at: o.finishedAt });
      return id;
    };
    // outside the window, a first deploy
    await deploy({
      message: 'feat: first',
      committedAt: '2026-02-27T09:00:00Z',
      startedAt: '2026-02-28T10:00:00Z',
      finishedAt: '2026-02-28T10:05:00Z',
      phase: 'completed',
      first: true,
    });
    // d2: lead 1h30m
    await deploy({
      message: 'feat(cart): totals',
      committedAt: '2026-03-01T09:00:00Z',
      startedAt: '2026-03-01T10:00:00Z',
      finishedAt: '2026-03-01T10:30:00Z',
      phase: 'completed',
    });
    // d3: rolled back after 10 minutes
    await deploy({
      message: 'feat(cart): coupons',
      committedAt: '2026-03-02T08:00:00Z',
      startedAt: '2026-03-02T09:00:00Z',
      finishedAt: '2026-03-02T09:10:00Z',
      phase: 'rolled-back',
    });
    // d4: lead 2h, followed by an incident an hour later and by a fix deploy
    await deploy({
      message: 'feat(tax): rates',
      committedAt: '2026-03-03T12:00:00Z',
      startedAt: '2026-03-03T13:00:00Z',
      finishedAt: '2026-03-03T14:00:00Z',
      phase: 'completed',
    });
    await store.openIncident({
      id: 'inc-1',
      service: 'checkout-api',
      severity: 'P1',
      title: 'tax wrong',
      source: 'cli',
      openedAt: '2026-03-03T15:00:00Z',
    });
    await store.resolveIncident({ id: 'inc-1' }, '2026-03-03T16:00:00Z');
    // d5: the fix, lead 50m (rework)
    await deploy({
      message: 'fix(tax): rounding',
      committedAt: '2026-03-03T16:30:00Z',
      startedAt: '2026-03-03T17:00:00Z',
      finishedAt: '2026-03-03T17:20:00Z',
      phase: 'completed',
    });
    // d6: lead 2h05m
    await deploy({
      message: 'feat: receipts',
      committedAt: '2026-03-05T10:00:00Z',
      startedAt: '2026-03-05T10:05:00Z',
      finishedAt: '2026-03-05T12:05:00Z',
      phase: 'completed',
    });
    // not counted: staging, and a rollback rehearsal
    await deploy({
      message: 'feat: staging only',
      committedAt: '2026-03-06T10:00:00Z',
      startedAt: '2026-03-06T10:05:00Z',
      finishedAt: '2026-03-06T10:06:00Z',
      phase: 'completed',
      environment: 'staging',
    });
    await deploy({
      message: 'feat: rehearsal',
      committedAt: '2026-03-07T10:00:00Z',
      startedAt: '2026-03-07T10:05:00Z',
      finishedAt: '2026-03-07T10:08:00Z',
      phase: 'rolled-back',
      rehearsal: true,
    });
    await store.close();
  });

  it('gives the figures a hand count of the records gives', async () => {
    const res = await runway(
      ['dora', '--json', '--store', db, '--since', '2026-03-01T00:00:00Z', '--until', '2026-03-11T00:00:00Z'],
      { cwd: dir },
    );
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout) as DoraReport;
    // d2..d6 in production: 4 succeeded, d3 rolled back, d4 followed by an incident and a fix
    assert.deepEqual(r.deployments, { total: 5, succeeded: 4, rolledBack: 1, failed: 2, rework: 1 });
    assert.equal(r.deploymentFrequency.value, 0.4, '4 successful deployments over 10 days');
    assert.equal(r.deploymentFrequency.band, 'high');
    // lead times 50m, 1h30m, 2h, 2h05m: the lower middle is 1h30m
    assert.equal(r.leadTimeForChanges.value, 90 * MIN);
    assert.equal(r.leadTimeForChanges.band, 'elite');
    assert.equal(r.changeFailureRate.value, 0.4);
    assert.equal(r.changeFailureRate.band, 'low');
    assert.equal(r.failedDeploymentRecoveryTime.value, 10 * MIN);
    assert.equal(r.failedDeploymentRecoveryTime.band, 'elite');
    assert.equal(r.reworkRate.value, 0.2);
    assert.equal(r.meanTimeToRestore.value, HOUR);
    assert.deepEqual(r.bands, { report: 'Accelerate State of DevOps Report 2024 (DORA)', year: 2024 });
  });

  it('a window that cuts days counts the rows at its edges too', async () => {
    const res = await runway(
      ['dora', '--json', '--store', db, '--since', '2026-03-01T09:30:00Z', '--until', '2026-03-05T11:00:00Z'],
      { cwd: dir },
    );
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout) as DoraReport;
    // d2..d5: d6 finished at 12:05 on the 5th, after the window
    assert.deepEqual(r.deployments, { total: 4, succeeded: 3, rolledBack: 1, failed: 2, rework: 1 });
    assert.equal(r.leadTimeForChanges.value, 90 * MIN, 'lead times 50m, 1h30m, 2h');
  });

  it('deployment records show the commit range, the incident and the fix that followed', async () => {
    const res = await runway(
      ['deployments', '--json', '--store', db, '--env', 'production', '--limit', '4'],
      { cwd: dir },
    );
    assert.equal(res.code, 0, res.stderr);
    const [rehearsal, d6, d5, d4] = JSON.parse(res.stdout) as {
      id: string;
      sha: string;
      previousSha: string;
      incidentId?: string;
      fixedBy?: string;
      changeType: string;
      outcome: string;
      kind: string;
    }[];
    assert.deepEqual([rehearsal!.kind, rehearsal!.outcome], ['rehearsal', 'rolled-back']);
    assert.equal(d4!.id, 'd4');
    assert.equal(d4!.incidentId, 'inc-1');
    assert.equal(d4!.fixedBy, 'd5');
    assert.equal(d5!.changeType, 'fix');
    assert.equal(d6!.previousSha, d5!.sha, 'the change is the range since the release before it');
  });

  it('a bad --since is a usage error', async () => {
    const res = await runway(['dora', '--store', db, '--since', 'last tuesday'], { cwd: dir });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--since "last tuesday" is neither a duration back from now/);
  });
});
