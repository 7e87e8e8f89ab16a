/*
 * An environment with `verify:` runs only releases whose attestation holds: signed by its key,
 * and naming the digest of exactly what is about to run.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { alive, type CliResult, freePort, project, runway, spawnRunway } from './helpers.ts';

const PORT = await freePort();

const APP = `const http = require('node:http');
http.createServer((req, res) => res.end(req.url === '/health' ? 'ok' : process.env.RELEASE_VERSION))
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string, between = ''): string {
  return `version: 1
service: { name: shop, health: /health }
environments:
  production:
    verify: { key: keys/runway-signing.pub }
    target: { kind: local, command: node server.js, port: ${PORT} }
stages:
  build:
    steps:
      - uses: attest
        with: { path: app, key: keys/runway-signing.key }
${between}
  deploy:
    needs: build
    steps:
      - uses: deploy
        with: { environment: production, version: ${version}, artifact: app }
`;
}

describe('deploying attested releases', { timeout: 60_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

  before(async () => {
    dir = project(pipelineYaml('v1'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    const keys = await cli(['keygen', 'keys']);
    assert.equal(keys.code, 0, keys.stderr);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 200 && !existsSync(info); i++) await sleep(50);
  });

  after(async () => {
    await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
  });

  it('an attested release is verified, then deployed', async () => {
    const res = await cli(['run']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(
      res.stdout,
      /attestation verified: release v1 is sha256:[0-9a-f]{12}…, SLSA build level 1 \(signed provenance from builder runway, which no level policy rule names\), signed by key:[0-9a-f]{64}/,
    );
  });

  it('a release changed after attesting is refused, naming the failed check', async () => {
    writeFileSync(
      join(dir, 'runway.yaml'),
      pipelineYaml(
        'v2',
        `      - name: tamper\n        run: echo '// changed after attesting' >> app/server.js`,
      ),
    );
    const res = await cli(['run']);
    assert.equal(res.code, 1);
    assert.match(
      res.stdout,
      /refused: production accepts only attested releases: attestation check "digest" failed: artifact .* does not match its attestation/,
    );
    const status = await cli(['rollout', 'status', 'shop', '--env', 'production', '--json']);
    const s = JSON.parse(status.stdout) as { environment: { stable: { version: string } } };
    assert.equal(s.environment.stable.version, 'v1', 'nothing changed in production');
  });

  it('a release without an attestation is refused', async () => {
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    writeFileSync(
      join(dir, 'runway.yaml'),
      pipelineYaml(
        'v3',
        `      - name: lose the attestation\n        run: rm app.intoto.jsonl app.sigstore.json`,
      ),
    );
    const res = await cli(['run']);
    assert.equal(res.code, 1);
    assert.match(
      res.stdout,
      /refused: production accepts only attested releases: attestation check "envelope" failed/,
    );
    assert.ok(!existsSync(join(dir, 'app.intoto.jsonl')) && !existsSync(join(dir, 'app.sigstore.json')));
    rmSync(join(dir, '.runway', 'runway', 'releases', 'shop', 'v3'), { recursive: true, force: true });
    assert.match(readFileSync(join(dir, 'app', 'server.js'), 'utf8'), /RELEASE_VERSION/);
  });
});
