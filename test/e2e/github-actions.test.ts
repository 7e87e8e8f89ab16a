/*
 * `runway run` inside a simulated GitHub Actions job: the variables the runner sets and a recorded
 * event file (octokit/webhooks payload examples). The run writes GitHub's formats back: the step
 * summary (Markdown), `::error` annotations, `GITHUB_OUTPUT` heredocs, and masks its secrets.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { project, REPO, runDetail, runway } from './helpers.ts';

const EVENTS = join(REPO, 'test', 'fixtures', 'github');
const SECRET = 'ghs_9f8e7d6c5b4a39281706';

const PIPELINE = `version: 1
secrets:
  DEPLOY_TOKEN: { env: DEPLOY_TOKEN }
stages:
  build:
    steps:
      - id: bundle
        env: { T: '\${{ secrets.DEPLOY_TOKEN }}' }
        run: |
          echo "version=1.2.3" >> "$RUNWAY_OUTPUT"
          echo "token=$T" >> "$RUNWAY_OUTPUT"
  e2e:
    if: "'e2e' in labels || ref == 'refs/heads/main'"
    steps:
      - id: suite
        retry: { count: 1, delay: 10ms }
        run: |
          echo "ran=yes" >> "$RUNWAY_OUTPUT"
          [ -e first-attempt ] || { touch first-attempt; exit 1; }
  publish:
    needs: [build]
    steps:
      - id: push
        env: { T: '\${{ secrets.DEPLOY_TOKEN }}' }
        run: |
          echo "cannot push with $T" >&2
          exit 3
`;

/** Reads a GITHUB_OUTPUT file (`name=value` and `name<<DELIMITER` forms) as the runner does. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (!heredoc) {
      const eq = line.indexOf('=');
      assert.ok(eq > 0, `invalid output line ${line}`);
      out[line.slice(0, eq)] = line.slice(eq + 1);
      continue;
    }
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i] ?? '');
    assert.ok(i < lines.length, `output ${heredoc[1]} has no closing delimiter`);
    out[heredoc[1]!] = value.join('\n');
  }
  return out;
}

/** Runs the pipeline as an Actions job for an event; returns stdout and the files the job reads. */
async function job(event: unknown, vars: Record<string, string>, yaml = PIPELINE) {
  const dir = project(yaml);
  const files = mkdtempSync(join(tmpdir(), 'runway-gha-'));
  const eventPath = join(files, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event));
  const summary = join(files, 'summary.md');
  const output = join(files, 'output');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const res = await runway(['run'], {
    cwd: dir,
    env: {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      DEPLOY_TOKEN: SECRET,
      ...vars,
    },
  });
  return { ...res, dir, summary: readFileSync(summary, 'utf8'), outputs: readFileSync(output, 'utf8') };
}

function pullRequest(labels: string[]): Record<string, unknown> {
  const event = JSON.parse(readFileSync(join(EVENTS, 'pull_request-opened.json'), 'utf8')) as {
    pull_request: { labels: Record<string, unknown>[] };
  };
  const shape = event.pull_request.labels[0]!;
  event.pull_request.labels = labels.map((name, i) => ({ ...shape, id: i + 1, name }));
  return event;
}

const PR_VARS = {
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_SHA: 'b1f2c3d4e5f60718293a4b5c6d7e8f9012345678',
  GITHUB_REF: 'refs/pull/2/merge',
};

describe('runway run inside GitHub Actions', { timeout: 60_000 }, () => {
  it('writes the summary, annotations and outputs in GitHub formats, never the secret', async () => {
    const res = await job(pullRequest(['bug', 'e2e']), PR_VARS);
    assert.equal(res.code, 1, res.stderr);

    // the secret is masked for the runner first, then never written again
    const lines = res.stdout.split('\n');
    assert.equal(lines[0], `::add-mask::${SECRET}`);
    for (const [name, text] of [
      ['stdout after the mask', lines.slice(1).join('\n')],
      ['stderr', res.stderr],
      ['summary', res.summary],
      ['outputs', res.outputs],
    ] as const) {
      assert.ok(!text.includes(SECRET), `${name} shows the secret`);
    }

    // one annotation for the failed step, on its line of runway.yaml
    const line = PIPELINE.split('\n').indexOf('      - id: push') + 1;
    const errors = lines.filter((l) => l.startsWith('::error'));
    assert.deepEqual(errors, [
      `::error file=runway.yaml,line=${line},col=9,title=runway%3A publish/push::publish/push failed: exit code 3`,
    ]);

    // the e2e suite passed on its second attempt: a warning on its line
    const flakyLine = PIPELINE.split('\n').indexOf('      - id: suite') + 1;
    assert.deepEqual(
      lines.filter((l) => l.startsWith('::warning')),
      [
        `::warning file=runway.yaml,line=${flakyLine},col=9,title=runway%3A e2e/suite::e2e/suite passed only on retry (attempt 2): flaky`,
      ],
    );

    // outputs: run id, status, and every step output by stage_step_name, masked
    const { json, ...outputs } = parseOutputs(res.outputs);
    const steps = { build_bundle_version: '1.2.3', build_bundle_token: '***', e2e_suite_ran: 'yes' };
    assert.deepEqual(outputs, { 'run-id': '1', status: 'failed', ...steps });
    assert.deepEqual(JSON.parse(json ?? ''), steps);
    assert.match(res.outputs, /^run-id<<ghadelimiter_[0-9a-f-]{36}\n1\nghadelimiter_/);

    // the summary: result, context from the event, one row per step
    assert.match(res.summary, /^## ❌ Runway run 1 failed\n/);
    assert.match(
      res.summary,
      /commit `b1f2c3d4e5f6` · ref `refs\/pull\/2\/merge` · trigger pull_request · pull request #2 · labels `bug` `e2e`/,
    );
    assert.match(res.summary, /\| publish \| push \| ❌ failed: exit code 3 \|/);
    assert.match(res.summary, /\| e2e \| suite \| ✅ succeeded \|/);
  });

  it("skips the e2e stage for a pull request without the label (the seed's if:)", async () => {
    const res = await job(pullRequest(['bug']), PR_VARS);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(parseOutputs(res.outputs)['e2e_suite_ran'], undefined);
    assert.match(res.summary, /\| e2e \| suite \| ⏭️ skipped/);
  });

  it('takes a push’s ref and head commit message from the event; main runs the e2e stage', async () => {
    const event = JSON.parse(
      readFileSync(join(EVENTS, 'push-new-branch-with-commit.json'), 'utf8'),
    ) as unknown;
    const res = await job(event, {
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      GITHUB_REF: 'refs/heads/main',
    });
    assert.equal(parseOutputs(res.outputs)['e2e_suite_ran'], 'yes');
    assert.match(res.summary, /commit `6113728f27ae` · ref `refs\/heads\/main` · trigger push/);
    const run = await runDetail(res.dir, 1);
    assert.equal(run.context.message, 'Initial commit');
    assert.equal(run.context.sha, '6113728f27ae82c7b1a177c8d03f9e96e0adf246');
  });

  it('annotates a configuration error on its line and column, exit 2', async () => {
    const res = await job(pullRequest([]), PR_VARS, 'version: 1\nstages:\n  build:\n    stepz: []\n');
    assert.equal(res.code, 2);
    assert.match(res.stdout, /^::error file=runway\.yaml,line=4,col=5,title=runway\.yaml::/m);
    assert.equal(res.outputs, '');
  });

  it('action.yml runs runway as a step, its inputs reaching the script only as variables', () => {
    const action = parseYaml(readFileSync(join(REPO, 'action.yml'), 'utf8')) as {
      runs: { steps: { id?: string; run?: string; env?: Record<string, string> }[] };
    };
    const step = action.runs.steps.find((s) => s.id === 'runway')!;
    for (const s of action.runs.steps)
      assert.ok(!s.run?.includes('${{'), `step ${s.id ?? s.run} splices text`);
    const dir = project(PIPELINE.replace(/ {2}publish:[\s\S]*$/, ''));
    const files = mkdtempSync(join(tmpdir(), 'runway-gha-'));
    const output = join(files, 'output');
    writeFileSync(output, '');
    // the values Actions would put in the step's env, one with shell syntax that must stay text
    const res = spawnSync('bash', ['-c', step.run!], {
      cwd: files,
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '',
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTION_PATH: REPO,
        GITHUB_OUTPUT: output,
        RUNWAY_DIR: dir,
        RUNWAY_FILE: 'runway.yaml',
        DEPLOY_TOKEN: '$(touch pwned)',
      },
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(parseOutputs(readFileSync(output, 'utf8'))['status'], 'succeeded');
    for (const where of [files, dir]) assert.ok(!existsSync(join(where, 'pwned')), 'a value ran as shell');
  });
});
