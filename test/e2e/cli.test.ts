import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { project, REPO, runDetail, runway, spawnRunway } from './helpers.ts';

test('help, version and unknown commands', async () => {
  const help = await runway(['--help'], { cwd: REPO });
  assert.equal(help.code, 0);
  for (const c of ['validate', 'run', 'runs', 'logs', 'cancel', 'resume', 'schema', 'demo'])
    assert.match(help.stdout, new RegExp(`\\n  ${c} `));
  const runHelp = await runway(['run', '--help'], { cwd: REPO });
  assert.match(runHelp.stdout, /usage: runway run/);
  const version = await runway(['--version'], { cwd: REPO });
  assert.match(version.stdout, /^runway \d+\.\d+\.\d+\n$/);
  const unknown = await runway(['deploy'], { cwd: REPO });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "deploy" — expected one of: validate, run/);
  const flag = await runway(['runs', '--colour'], { cwd: REPO });
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown flag --colour for "runway runs"/);
});

test('runs, logs, cancel and resume reject bad run ids without a stack trace, and create no store', async () => {
  const dir = project('version: 1\nstages: { a: { steps: [ { id: hello, run: echo hello world } ] } }\n');
  const badIds = [['logs', '7'], ['runs', '7'], ['cancel', '7'], ['resume', '7'], ['logs', 'abc'], ['logs']];
  for (const args of badIds) {
    const res = await runway(args, { cwd: dir });
    assert.equal(res.code, 2, args.join(' '));
    assert.match(
      res.stderr,
      /^runway: (no store at .* — nothing has run here yet|"abc" is not a run id|a run id is needed)/,
    );
  }
  assert.equal(existsSync(join(dir, '.runway')), false, 'read commands never create a store');
  assert.equal((await runway(['run', '--message', 'chore: a'], { cwd: dir })).code, 0);
  for (const args of badIds) {
    const res = await runway(args, { cwd: dir });
    assert.equal(res.code, 2, args.join(' '));
    assert.match(res.stderr, /^runway: (run 7 does not exist|"abc" is not a run id|a run id is needed)/);
  }
  const logs = await runway(['logs', '1', 'hello'], { cwd: dir });
  assert.equal(logs.stdout, 'hello world\n');
  const missing = await runway(['logs', '1', 'nope'], { cwd: dir });
  assert.match(missing.stderr, /run 1 has no step "nope" with logs — expected one of: a\/hello/);
  const list = await runway(['runs'], { cwd: dir });
  assert.match(list.stdout, /^✔ +1 +succeeded/);
});

test('schema prints a JSON Schema that accepts the example pipeline keys', async () => {
  const res = await runway(['schema'], { cwd: REPO });
  const schema = JSON.parse(res.stdout) as { properties: Record<string, unknown>; required: string[] };
  assert.deepEqual(schema.required, ['version', 'stages']);
  assert.ok(schema.properties['stages'] && schema.properties['secrets']);
});

test('cancel from another process stops a running run: its step is killed, the rest is cancelled', async () => {
  const dir = project(`
version: 1
stages:
  slow: { steps: [ { run: 'sleep 30' }, { run: 'echo never' } ] }
  later: { needs: slow, steps: [ { run: 'echo never' } ] }
`);
  const child = spawnRunway(['run', '--json', '--message', 'chore: c'], { cwd: dir });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) => {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('"step.process"') && resolve());
  });
  const started = Date.now();
  const status = await runway(['runs', '1', '--json'], { cwd: dir });
  assert.equal((JSON.parse(status.stdout) as { displayStatus: string }).displayStatus, 'running');
  const cancel = await runway(['cancel', '1'], { cwd: dir });
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stdout, /run 1 cancelled/);
  const code = await closed;
  assert.equal(code, 1);
  assert.ok(Date.now() - started < 8000, 'cancelled promptly');
  const run = await runDetail(dir, 1);
  assert.equal(run.status, 'cancelled');
  assert.deepEqual(
    run.steps.map((s) => s.status),
    ['cancelled', 'cancelled', 'cancelled'],
  );
});

test('docs/runway.schema.json is what `runway schema` prints', async () => {
  const res = await runway(['schema'], { cwd: REPO });
  assert.equal(
    readFileSync(join(REPO, 'docs', 'runway.schema.json'), 'utf8'),
    res.stdout,
    'run: runway schema > docs/runway.schema.json',
  );
});

test("the seed's analysis templates, pasted as written, validate; a broken condition is reported at its line", async () => {
  const ok = await runway(['validate', '-f', 'test/fixtures/seed-analysis.yaml'], { cwd: REPO });
  assert.equal(ok.code, 0, ok.stderr);
  const dir = project(
    readFileSync(join(REPO, 'test', 'fixtures', 'seed-analysis.yaml'), 'utf8').replace(
      'successCondition: result < 0.5',
      'successCondition: result <',
    ),
  );
  const bad = await runway(['validate'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^runway\.yaml:24:27: analysis\.slo-burn-check\.metrics\[1\]\.successCondition: Unexpected token/,
  );
});

test('validate takes its file as an argument or with -f, and refuses two files', async () => {
  const positional = await runway(['validate', 'examples/runway.yaml'], { cwd: REPO });
  assert.equal(positional.code, 0, positional.stderr);
  assert.match(positional.stdout, /examples\/runway\.yaml is valid: \d+ stages/);
  const flag = await runway(['validate', '-f', 'examples/runway.yaml'], { cwd: REPO });
  assert.equal(flag.stdout, positional.stdout);
  const two = await runway(['validate', 'a.yaml', '-f', 'b.yaml'], { cwd: REPO });
  assert.equal(two.code, 2);
  assert.match(two.stderr, /validate checks one file, given as FILE or -f FILE; got b\.yaml, a\.yaml/);
  assert.doesNotMatch(two.stderr, /\n\s+at /, 'no stack trace');
});
