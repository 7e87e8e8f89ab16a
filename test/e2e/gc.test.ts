/*
 * `runway gc` over a real store and data directory: release copies that an environment's revision
 * history or a rollout in flight names stay, old unnamed ones go, recent ones stay.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ReleaseSpec } from '../../src/deploy/records.ts';
import { openStore } from '../../src/store/open.ts';
import { runway } from './helpers.ts';

describe('runway gc', { timeout: 30_000 }, () => {
  it('removes only old release copies nothing names, and --dry-run removes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-gc-'));
    const db = join(dir, '.runway', 'runway.db');
    mkdirSync(join(dir, '.runway'));
    const releases = join(dir, '.runway', 'runway', 'releases', 'web');
    const copy = (version: string, ageHours: number) => {
      const path = join(releases, version);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'server.js'), `// ${version}\n`);
      writeFileSync(`${path}.digest`, 'sha256:00\n');
      const at = new Date(Date.now() - ageHours * 3_600_000);
      utimesSync(path, at, at);
    };
    const spec = (version: string): ReleaseSpec => ({
      version,
      revision: Number(version.slice(1)),
      command: 'node server.js',
      cwd: join(releases, version),
      env: {},
      replicas: 1,
      health: '/health',
    });
    copy('v1', 48);
    copy('v2', 48);
    copy('v3', 48);
    copy('v4', 0);
    const store = await openStore(db);
    await store.saveDeployment({
      environment: {
        service: 'web',
        environment: 'production',
        port: 4000,
        stable: spec('v3'),
        running: { v3: spec('v3') },
        weights: { v3: 1000 },
        revisions: { service: 'web', environment: 'production', limit: 10, revisions: [] },
        releases: { v2: spec('v2'), v3: spec('v3') },
        updatedAt: new Date().toISOString(),
      },
      at: new Date().toISOString(),
    });
    await store.close();

    const dry = await runway(['gc', '--dry-run', '--json'], { cwd: dir });
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as {
      removed: { version: string }[];
      kept: { version: string; why: string }[];
    };
    assert.deepEqual(
      planned.removed.map((r) => r.version),
      ['v1'],
    );
    assert.deepEqual(planned.kept.map((k) => [k.version, k.why]).sort(), [
      ['v2', 'kept by web/production (revision history)'],
      ['v3', 'kept by web/production (revision history)'],
      ['v4', 'stored recently'],
    ]);
    assert.ok(existsSync(join(releases, 'v1')), '--dry-run removes nothing');

    const real = await runway(['gc'], { cwd: dir });
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /^removed web v1$/m);
    assert.deepEqual(
      ['v1', 'v2', 'v3', 'v4'].map((v) => existsSync(join(releases, v))),
      [false, true, true, true],
    );
    assert.ok(!existsSync(join(releases, 'v1.digest')));
  });
});
