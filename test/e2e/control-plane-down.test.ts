/*
 * A deploy step that finds the control plane down says what to do, and doing it works: start
 * `runway serve`, then run the pipeline again (the failed run has ended, so it cannot be resumed).
 * One that was killed (not stopped) is waited for a little: it is usually being started again.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { alive, freePort, project, runway, spawnRunway } from './helpers.ts';

describe('a deploy step with the control plane down', { timeout: 90_000 }, () => {
  let serve: ChildProcess | undefined;
  let dir = '';
  after(async () => {
    if (dir) await runway(['serve', 'stop'], { cwd: dir });
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
  });

  it('advises starting the control plane and running the pipeline again, and that advice works', async () => {
    const port = await freePort();
    dir = project(`version: 1
service: { name: web, health: /health }
environments:
  staging: { target: { kind: local, command: node server.js, port: ${port}, ready-timeout: 5s } }
stages:
  staging:
    steps:
      - uses: deploy
        with: { environment: staging, version: v1, artifact: app }
`);
    mkdirSync(join(dir, 'app'));
    writeFileSync(
      join(dir, 'app', 'server.js'),
      `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');\n`,
    );
    const first = await runway(['run'], { cwd: dir });
    const said = first.stdout + first.stderr;
    assert.equal(first.code, 1, said);
    assert.match(said, /the control plane is not running/);
    assert.match(said, /then run the pipeline again: `runway run -f runway\.yaml`/);
    assert.doesNotMatch(said, /runway resume/);
    const resumed = await runway(['resume', '1'], { cwd: dir });
    assert.match(
      resumed.stderr,
      /already ended: failed/,
      'the failed run cannot be resumed, so it is not advised',
    );

    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 100; i++) {
      if (existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === serve.pid)
        break;
      await sleep(100);
    }
    const again = await runway(['run', '-f', 'runway.yaml'], { cwd: dir });
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  it('a step that starts while a killed control plane is being started again waits for it', async () => {
    // kill -9 the control plane: its server.json stays behind, as `serve stop` never leaves it
    assert.ok(serve?.pid);
    serve.kill('SIGKILL');
    while (alive(serve.pid)) await sleep(20);
    const info = join(dir, '.runway', 'runway', 'server.json');
    assert.ok(existsSync(info));
    writeFileSync(
      join(dir, 'runway.yaml'),
      readFileSync(join(dir, 'runway.yaml'), 'utf8').replace('version: v1', 'version: v2'),
    );
    const run = runway(['run'], { cwd: dir });
    await sleep(1500);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const done = await run;
    const said = done.stdout + done.stderr;
    assert.equal(done.code, 0, said);
    assert.match(
      said,
      /the control plane is not answering \(it stopped without shutting down\); waiting up to 15s/,
    );
    assert.doesNotMatch(said, /run the pipeline again/);
  });
});
