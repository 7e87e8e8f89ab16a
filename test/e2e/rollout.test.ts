/*
 * Deploy and roll out through the real control plane (`runway serve`) and the real data-plane
 * agent: instances are real processes, traffic goes through the real weighted router.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { alive, type CliResult, freePort, project, runway, spawnRunway } from './helpers.ts';

const STAGING = await freePort();
const PRODUCTION = await freePort();
const TAKEN = await freePort();
const PREVIEW = await freePort();

const APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
if (process.env.CRASH === '1') process.exit(3);
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end(version);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string, steps: string, extra = ''): string {
  return `version: 1
service: { name: web, health: /health }
environments:
  staging: { target: { kind: local, command: node server.js, port: ${STAGING}, ready-timeout: 5s } }
  production: { target: { kind: local, command: node server.js, port: ${PRODUCTION}, preview-port: ${PREVIEW}, replicas: 2 } }
${extra}
stages:
  staging:
    steps:
      - uses: deploy
        with: { environment: staging, version: ${version}, artifact: app }
  production:
    needs: staging
    steps:
      - uses: rollout
        with:
          environment: production
          version: ${version}
          artifact: app
          scale-down-delay: 1s
          steps:
${steps}
`;
}

const PAUSED_AT_20 = `            - setWeight: 20
            - pause: {}
            - setWeight: 100`;

/** GETs the production port `n` times; returns the bodies (versions) seen and any failures. */
async function sample(
  n: number,
  port = PRODUCTION,
): Promise<{ versions: Record<string, number>; failures: string[] }> {
  const versions: Record<string, number> = {};
  const failures: string[] = [];
  for (let i = 0; i < n; i++) {
    const got = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve(res.statusCode === 200 ? body : `HTTP ${res.statusCode}`));
      });
      req.on('error', (err) => resolve(`error ${err.message}`));
      req.end();
    });
    if (got.startsWith('HTTP') || got.startsWith('error')) failures.push(got);
    else versions[got] = (versions[got] ?? 0) + 1;
  }
  return { versions, failures };
}

describe('rollouts through runway serve and the data-plane agent', { timeout: 120_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

  async function startServe(): Promise<void> {
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 200; i++) {
      if (existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === serve.pid)
        return;
      await sleep(50);
    }
    throw new Error('runway serve did not start');
  }

  async function status(): Promise<{
    rollout: { state: { phase: string; weight: number; pauseReason?: string; abortReason?: string } };
  }> {
    const res = await cli(['rollout', 'status', 'web', '--env', 'production', '--json']);
    assert.equal(res.code, 0, res.stderr);
    return JSON.parse(res.stdout) as never;
  }

  async function waitFor(
    what: string,
    ok: (s: Awaited<ReturnType<typeof status>>) => boolean,
  ): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if (ok(await status())) return;
      await sleep(100);
    }
    assert.fail(`timed out waiting for ${what}: ${JSON.stringify((await status()).rollout.state)}`);
  }

  before(async () => {
    dir = project(pipelineYaml('v1', PAUSED_AT_20));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    await startServe();
  });

  after(async () => {
    await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
  });

  it('explains what is missing before anything was deployed', async () => {
    const res = await cli(['rollout', 'status', 'web', '--env', 'production']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /web has never been deployed to production/);
  });

  it('the first release goes straight to staging and production', async () => {
    const res = await cli(['run']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /no stable release in production yet: deploying directly/);
    const { versions, failures } = await sample(20);
    assert.deepEqual(failures, []);
    assert.deepEqual(versions, { v1: 20 });
  });

  it('running the pipeline again, its version already stable, succeeds and starts nothing new', async () => {
    const before = await cli(['rollout', 'history', 'web', '--env', 'production', '--json']);
    const res = await cli(['run']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(
      res.stdout,
      /web v1 is already stable in production \(web\.production\.r1\): nothing to roll out/,
    );
    assert.doesNotMatch(res.stdout, /deploying directly/, 'the finished rollout is not replayed');
    const after = await cli(['rollout', 'history', 'web', '--env', 'production', '--json']);
    assert.equal(after.stdout, before.stdout, 'no new rollout');
    const { versions, failures } = await sample(10);
    assert.deepEqual(failures, []);
    assert.deepEqual(versions, { v1: 10 });
  });

  it('a canary splits traffic, survives a kill -9 of the control plane, and continues on promote', async () => {
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v2', PAUSED_AT_20));
    const runDone = cli(['run']);
    await waitFor(
      'the pause at 20%',
      (s) => s.rollout.state.phase === 'paused' && s.rollout.state.weight === 200,
    );
    const before = await sample(200);
    assert.deepEqual(before.failures, []);
    const share = (before.versions['v2'] ?? 0) / 200;
    assert.ok(share > 0.08 && share < 0.35, `v2 got ${share * 100}% of traffic, expected about 20%`);

    // kill -9 the control plane: the data plane keeps serving the last weights
    serve!.kill('SIGKILL');
    await sleep(200);
    const during = await sample(100);
    assert.deepEqual(during.failures, [], 'traffic keeps flowing while the control plane is down');
    assert.ok(
      (during.versions['v2'] ?? 0) > 0 && (during.versions['v1'] ?? 0) > 0,
      JSON.stringify(during.versions),
    );

    // status still answers from the store while the control plane is down
    const offline = await cli(['rollout', 'status', 'web', '--env', 'production', '--json']);
    assert.equal(offline.code, 0, offline.stderr);
    const stored = JSON.parse(offline.stdout) as {
      controlPlane: string;
      rollout: { state: { weight: number } };
    };
    assert.equal(stored.controlPlane, 'not running');
    assert.equal(stored.rollout.state.weight, 200);

    // restart: the rollout is where it was, and continues
    await startServe();
    const again = await status();
    assert.equal(again.rollout.state.phase, 'paused');
    assert.equal(again.rollout.state.weight, 200);
    const promoted = await cli(['rollout', 'promote', 'web', '--env', 'production']);
    assert.equal(promoted.code, 0, promoted.stderr);
    const run = await runDone;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const afterwards = await sample(20);
    assert.deepEqual(afterwards.versions, { v2: 20 });
  });

  it('refuses commands that do not fit, changing nothing', async () => {
    const promote = await cli(['rollout', 'promote', 'web', '--env', 'production']);
    assert.equal(promote.code, 2);
    assert.match(
      promote.stderr,
      /no rollout of web in production is in progress \(the last one, web\.production\.r2, is completed\); nothing to promote/,
    );
    const undo = await cli(['rollout', 'undo', 'web', '--env', 'production', '--to-revision', '9']);
    assert.equal(undo.code, 2);
    assert.match(undo.stderr, /revision 9 does not exist; known revisions: 1, 2/);
    const unknown = await cli(['rollout', 'status', 'nope', '--env', 'production']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /nope has never been deployed to production; deployed: web\/production, web\/staging/,
    );
    const bad = await cli(['rollout', 'frobnicate', 'web', '--env', 'production']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown subcommand "frobnicate"/);
    assert.deepEqual((await sample(10)).versions, { v2: 10 });
  });

  it('abort sends all traffic back to stable at once', async () => {
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v3', PAUSED_AT_20));
    const runDone = cli(['run']);
    await waitFor(
      'the pause at 20%',
      (s) => s.rollout.state.phase === 'paused' && s.rollout.state.weight === 200,
    );
    const pause = await cli(['rollout', 'resume', 'web', '--env', 'production']);
    assert.equal(pause.code, 2, 'resume of a pause step that waits for promote is refused');
    const abort = await cli(['rollout', 'abort', 'web', '--env', 'production']);
    assert.equal(abort.code, 0, abort.stderr);
    const ms = Number(/traffic back to v2 in (\d+) ms/.exec(abort.stdout)?.[1]);
    assert.ok(ms < 1000, `abort took ${ms} ms`);
    const { versions, failures } = await sample(50);
    assert.deepEqual(failures, []);
    assert.deepEqual(versions, { v2: 50 }, 'no request reaches the canary after the abort');
    const run = await runDone;
    assert.equal(run.code, 1);
    assert.match(run.stdout, /rolled back: aborted by command/);
    assert.match(run.stdout, /v2 keeps serving production/);
  });

  it('abort then undo (the CompanyOS failure handler) leaves production on the last good release', async () => {
    // the abort above rolled v3 back; undoing again would downgrade production to v1
    const undo = await cli(['rollout', 'undo', 'web', '--env', 'production']);
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal(
      undo.stdout,
      'nothing to undo: the last rollout (revision 3, v3) was rolled back, and v2 (revision 2) keeps serving\n',
    );
    assert.deepEqual((await sample(10)).versions, { v2: 10 });
    const json = await cli(['rollout', 'undo', 'web', '--env', 'production', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { rollout: unknown }).rollout, null);
  });

  it('undo --to-version reaches an older release as a new revision, through the normal steps', async () => {
    const undo = await cli(['rollout', 'undo', 'web', '--env', 'production', '--to-version', 'v1']);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /back to v1 \(revision 4\)/);
    // the last rollout's steps: 20%, then a pause that waits for promote
    await waitFor(
      'the undo to pause at 20%',
      (s) => s.rollout.state.phase === 'paused' && s.rollout.state.weight === 200,
    );
    const promote = await cli(['rollout', 'promote', 'web', '--env', 'production']);
    assert.equal(promote.code, 0, promote.stderr);
    await waitFor('the undo', (s) => s.rollout.state.phase === 'completed');
    assert.deepEqual((await sample(10)).versions, { v1: 10 });
    const shown = await cli(['rollout', 'status', 'web', '--env', 'production', '--json']);
    const { rollout } = JSON.parse(shown.stdout) as { rollout: { state: { history: { detail: string }[] } } };
    assert.ok(
      rollout.state.history.some((h) =>
        /^undo by \S+: back to v1 \(revision 1\) as a new revision$/.test(h.detail),
      ),
      JSON.stringify(rollout.state.history),
    );
    const history = await cli(['rollout', 'history', 'web', '--env', 'production', '--json']);
    const h = JSON.parse(history.stdout) as { revisions: { number: number; version: string }[] };
    assert.deepEqual(
      h.revisions.map((r) => `${r.number}:${r.version}`),
      ['2:v2', '3:v3', '4:v1'],
    );
  });

  it('a version that never becomes healthy fails the deploy and the old one keeps serving', async () => {
    writeFileSync(
      join(dir, 'runway.yaml'),
      pipelineYaml('v5', PAUSED_AT_20).replace(
        'with: { environment: staging, version: v5, artifact: app }',
        "with: { environment: staging, version: v5, artifact: app, env: { CRASH: '1' } }",
      ),
    );
    const res = await cli(['run']);
    assert.equal(res.code, 1);
    assert.match(res.stdout, /aborted: v5 is crash-looping|progress deadline exceeded/);
    assert.match(
      res.stdout,
      /v3 keeps serving staging/,
      'staging got v3 before its canary in production was aborted',
    );
  });

  it('a port used by another program is refused before anything changes', async () => {
    const blocker = createServer().listen(TAKEN, '127.0.0.1');
    try {
      writeFileSync(
        join(dir, 'runway.yaml'),
        pipelineYaml('v6', PAUSED_AT_20)
          .replace(`port: ${STAGING}`, `port: ${TAKEN}`)
          .replace(/staging/g, 'qa'),
      );
      const res = await cli(['run']);
      assert.equal(res.code, 1);
      assert.match(res.stdout, new RegExp(`port ${TAKEN} is already in use on 127.0.0.1`));
      const none = await cli(['rollout', 'status', 'web', '--env', 'qa']);
      assert.match(none.stderr, /web has never been deployed to qa/);
    } finally {
      blocker.close();
    }
  });

  it('blue-green: the preview port shows the new version until promote switches all traffic at once', async () => {
    writeFileSync(
      join(dir, 'runway.yaml'),
      pipelineYaml('v7', '').replace(/ {10}steps:\n\n$/, '          blue-green: {}\n'),
    );
    const runDone = cli(['run']);
    await waitFor(
      'the blue-green switch to wait for promote',
      (s) => s.rollout.state.pauseReason === 'awaiting-promotion',
    );
    assert.deepEqual((await sample(10)).versions, { v1: 10 }, 'the public port still serves the stable');
    assert.deepEqual(
      (await sample(10, PREVIEW)).versions,
      { v7: 10 },
      'the preview port serves the new version',
    );
    const promote = await cli(['rollout', 'promote', 'web', '--env', 'production']);
    assert.equal(promote.code, 0, promote.stderr);
    const run = await runDone;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual((await sample(10)).versions, { v7: 10 });
  });
});
