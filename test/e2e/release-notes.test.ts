/*
 * `runway release-notes` over a real git repository and a real store: the notes of the latest
 * production deployment list the Conventional Commits since the release before it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RolloutRecord } from '../../src/deploy/records.ts';
import { tier2 } from '../../src/rollout/presets.ts';
import { rolloutOf } from '../../src/rollout/rollout.fixture.ts';
import { CONTRACT_CONTEXT, CONTRACT_PIPELINE } from '../../src/store/store.contract.ts';
import { openStore } from '../../src/store/open.ts';
import { runway } from './helpers.ts';

describe('runway release-notes', { timeout: 30_000 }, () => {
  it('lists the breaking changes, features and fixes since the previous release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-notes-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Ada',
          GIT_AUTHOR_EMAIL: 'ada@example.com',
          GIT_COMMITTER_NAME: 'Ada',
          GIT_COMMITTER_EMAIL: 'ada@example.com',
        },
      }).trim();
    git('init', '-q');
    const commit = (message: string) => {
      writeFileSync(join(dir, 'f.txt'), message);
      git('add', 'f.txt');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    };
    const first = commit('feat: checkout');
    commit('feat(cart): coupons');
    commit('fix(tax): round half up');
    commit('docs: readme');
    const second = commit('feat(api)!: quotes in cents');

    mkdirSync(join(dir, '.runway'));
    const store = await openStore(join(dir, '.runway', 'runway.db'));
    for (const [i, sha] of [first, second].entries()) {
      const run = await store.createRun({
        pipeline: CONTRACT_PIPELINE,
        context: { ...CONTRACT_CONTEXT, sha },
        owner: { pid: 1, host: 'ci' },
        at: `2026-03-0${i + 1}T10:00:00.000Z`,
      });
      const id = `r${i + 1}`;
      const state = {
        ...rolloutOf(tier2(), new Date(`2026-03-0${i + 1}T10:00:00.000Z`), id),
        phase: 'completed' as const,
        finishedAt: `2026-03-0${i + 1}T10:30:00.000Z`,
      };
      const spec = {
        version: `1.${i}.0`,
        revision: i + 1,
        command: 'x',
        cwd: '/x',
        env: {},
        replicas: 1,
        health: '/',
      };
      const rollout: RolloutRecord = {
        id,
        service: 'checkout-api',
        environment: 'production',
        state,
        canary: spec,
        analysis: {},
        args: {},
        runId: run.id,
        createdAt: state.startedAt,
        updatedAt: state.finishedAt,
      };
      await store.saveDeployment({ rollout, at: state.finishedAt });
    }
    await store.close();
    writeFileSync(join(dir, 'runway.yaml'), 'version: 1\nstages: { a: { steps: [ { run: "true" } ] } }\n');

    const res = await runway(['release-notes'], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^## checkout-api 1\.1\.0$/m);
    assert.match(res.stdout, /### Breaking changes\n\n- \*\*api:\*\* quotes in cents \([0-9a-f]{7,}\)/);
    assert.match(res.stdout, /### Features\n\n- \*\*api:\*\* quotes in cents .*\n- \*\*cart:\*\* coupons/);
    assert.match(res.stdout, /### Fixes\n\n- \*\*tax:\*\* round half up/);
    assert.match(res.stdout, /1 other commit\(s\)/);
    assert.doesNotMatch(res.stdout, /checkout \(/, 'the commit of the release before is not in the notes');

    const json = await runway(['release-notes', '--json', '--deployment', 'r1'], { cwd: dir });
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { range: string }).range, first);
  });
});
