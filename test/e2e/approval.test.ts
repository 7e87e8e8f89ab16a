import assert from 'node:assert/strict';
import { test } from 'node:test';
import { project, runDetail, runway, spawnRunway } from './helpers.ts';

const PIPELINE = (timeout = '1m') => `
version: 1
roles:
  product-owner: [Pat Owner <po@example.com>, dev@example.com]
  sre: [sre@example.com]
stages:
  uat:
    steps:
      - id: sign-off
        uses: approval
        with: { roles: [product-owner], required: 1, timeout: ${timeout}, message: approve the UAT report }
  canary:
    needs: uat
    steps: [ { run: echo go } ]
`;

/** Starts a run and resolves once its approval step waits. */
async function startWaiting(dir: string) {
  const child = spawnRunway(['run', '--json', '--message', 'feat: x', '--author', 'Dev <dev@example.com>'], {
    cwd: dir,
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) => {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('"step.started"') && resolve());
  });
  return { closed };
}

test('an approval waits for an eligible approver; the author and people outside the role cannot approve', async () => {
  const dir = project(PIPELINE());
  const { closed } = await startWaiting(dir);
  const self = await runway(['approve', '1', '--as', 'dev@example.com'], { cwd: dir });
  assert.equal(self.code, 4, self.stderr);
  assert.match(self.stderr, /dev@example.com is the author of the commit and may not approve it/);
  const outsider = await runway(['approve', '1', '--as', 'sre@example.com'], { cwd: dir });
  assert.equal(outsider.code, 4);
  assert.match(outsider.stderr, /does not hold a role that may approve \(product-owner\)/);
  const ok = await runway(['approve', '1', '--as', 'PO@example.com', '--comment', 'UAT report looks good'], {
    cwd: dir,
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(await closed, 0);
  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'succeeded');
  assert.equal(run.outputs['uat/sign-off']?.['approvers'], 'po@example.com');
  const again = await runway(['approve', '1', '--as', 'po@example.com'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /run 1 already ended: succeeded/);
});

test('a rejection fails the approval with its comment; a timeout fails it too', async () => {
  const dir = project(PIPELINE());
  const { closed } = await startWaiting(dir);
  const noComment = await runway(['reject', '1', '--as', 'po@example.com'], { cwd: dir });
  assert.equal(noComment.code, 2);
  assert.equal(
    (await runway(['reject', '1', '--as', 'po@example.com', '--comment', 'UAT failed on RLS'], { cwd: dir }))
      .code,
    0,
  );
  assert.equal(await closed, 1);
  const run = await runDetail(dir, 1);
  assert.equal(
    run.steps.find((s) => s.key === 'uat/sign-off')?.reason,
    'rejected by po@example.com: UAT failed on RLS',
  );
  assert.equal(run.stages.find((s) => s.name === 'canary')?.status, 'skipped');

  const slow = project(PIPELINE('1s'));
  const res = await runway(['run', '--message', 'feat: x'], { cwd: slow });
  assert.equal(res.code, 1);
  assert.match(res.stdout, /no decision within 1s \(0 of 1 approvals\)/);
});

test('timeout: on a uses: step holds: an approval nobody gives fails the step when it runs out', async () => {
  const dir = project(`
version: 1
roles:
  product-owner: [po@example.com]
stages:
  uat:
    steps:
      - id: sign-off
        uses: approval
        timeout: 1s
        with: { roles: [product-owner], required: 1, timeout: 1h, message: approve the UAT report }
`);
  const started = Date.now();
  const res = await runway(['run', '--message', 'feat: x', '--author', 'dev@example.com'], { cwd: dir });
  const tookMs = Date.now() - started;
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.ok(tookMs < 20_000, `the step stopped at its timeout, not the approval's hour (${tookMs} ms)`);
  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'failed');
  assert.match(JSON.stringify(run), /"reason":"timed out after 1(\.0)?s"/);
  const late = await runway(['approve', '1', '--as', 'po@example.com'], { cwd: dir });
  assert.notEqual(late.code, 0, 'nothing waits for a verdict any more');
});
