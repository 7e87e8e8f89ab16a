import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createInterface } from 'node:readline';
import { openStore } from '../open.ts';
import { CONTRACT_CONTEXT, CONTRACT_PIPELINE, storeContract } from '../store.contract.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'runway-sqlite-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A path for a database file that does not exist yet, in a directory that does not exist yet. */
function freshPath(): string {
  files++;
  return join(dir, `nested-${files}`, 'runway.db');
}

const owner = { pid: 1, host: 'test' };
const at = '2026-01-02T03:04:05.000Z';

storeContract('sqlite file', () => new SqliteStore(freshPath()));
storeContract('sqlite :memory:', () => new SqliteStore(':memory:'));

describe('SqliteStore migrations', () => {
  it('keeps the data when an existing file is opened again, without re-running migrations', async () => {
    const path = freshPath();
    const first = new SqliteStore(path);
    const run = await first.createRun({ pipeline: CONTRACT_PIPELINE, context: CONTRACT_CONTEXT, owner, at });
    await first.apply(
      run.id,
      { outputs: { stepKey: 'build/bundle', values: { version: '1' } }, event: { type: 'x', data: {} } },
      at,
    );
    await first.close();

    const again = new SqliteStore(path);
    try {
      assert.deepEqual(await again.getRun(run.id), run);
      assert.deepEqual(await again.outputs(run.id), { 'build/bundle': { version: '1' } });
      const next = await again.createRun({
        pipeline: CONTRACT_PIPELINE,
        context: CONTRACT_CONTEXT,
        owner,
        at,
      });
      assert.ok(next.id > run.id);
    } finally {
      await again.close();
    }

    const db = new DatabaseSync(path);
    try {
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(
        rows.map((r) => Number(r['version'])),
        SQLITE_MIGRATIONS.map((m) => m.version),
      );
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer runway, saying so', async () => {
    const path = freshPath();
    await new SqliteStore(path).close();
    const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      latest + 1,
      'from the future',
      at,
    );
    db.close();
    assert.throws(() => new SqliteStore(path), {
      message: `the store was written by a newer runway (schema ${latest + 1}, this one knows ${latest})`,
    });
  });
});

describe('SqliteStore specifics', () => {
  it('lets anyone claim a run nobody holds', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    try {
      const run = await store.createRun({
        pipeline: CONTRACT_PIPELINE,
        context: CONTRACT_CONTEXT,
        owner,
        at,
      });
      const db = new DatabaseSync(path);
      db.prepare('UPDATE runs SET owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL WHERE id = ?').run(
        run.id,
      );
      db.close();
      assert.equal((await store.getRun(run.id))?.owner, undefined);
      const other = { pid: 99, host: 'other' };
      assert.equal(await store.claimRun(run.id, other, at, '2000-01-01T00:00:00.000Z'), true);
      assert.deepEqual((await store.getRun(run.id))?.owner, other);
    } finally {
      await store.close();
    }
  });

  it('close() may be called twice', async () => {
    const store = new SqliteStore(':memory:');
    await store.close();
    await store.close();
  });
});

describe('openStore', () => {
  it('opens sqlite: URLs and bare paths', async () => {
    for (const url of [`sqlite:${freshPath()}`, freshPath(), 'sqlite::memory:', ':memory:']) {
      const store = await openStore(url);
      try {
        assert.equal(store.kind, 'sqlite');
        assert.deepEqual(await store.listRuns(), []);
      } finally {
        await store.close();
      }
    }
  });

  it('rejects other schemes, listing the known ones, without the password', async () => {
    await assert.rejects(openStore('mysql://app:pw@db.example/runway'), {
      message:
        'unknown store "mysql://" in "mysql://app:***@db.example/runway", expected one of: sqlite, postgres',
    });
  });
});

describe('SqliteStore across processes', () => {
  // The child writes through apply() while this process reads (and heartbeats) the same file.
  const CHILD = `
    import { createInterface } from 'node:readline';
    const { SqliteStore } = await import(process.env.STORE_MODULE);
    const store = new SqliteStore(process.env.DB_PATH);
    const runId = Number(process.env.RUN_ID);
    const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    const pause = () => new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 200; i++) {
      if (i === 100) {
        process.stdout.write('half\\n');
        await lines.next();
      }
      const key = 'build/step-' + (i % 7);
      await store.apply(runId, {
        step: { key, stage: 'build', id: 'step-' + (i % 7), name: 'n', index: i % 7, status: 'running', attempts: i, flaky: false },
        outputs: { stepKey: key, values: { i: String(i) } },
        event: { type: 'child.write', data: { i } },
      }, new Date().toISOString());
      if (i % 5 === 0) await pause();
    }
    await store.close();
    process.stdout.write('done\\n');
    process.exit(0);
  `;

  it('a writer and a reader in two processes both finish without SQLITE_BUSY', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    try {
      const run = await store.createRun({
        pipeline: CONTRACT_PIPELINE,
        context: CONTRACT_CONTEXT,
        owner,
        at,
      });
      const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
        env: {
          ...process.env,
          STORE_MODULE: new URL('./sqlite-store.ts', import.meta.url).href,
          DB_PATH: path,
          RUN_ID: String(run.id),
          NODE_OPTIONS: '',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const childLines = createInterface({ input: child.stdout });
      let childDone = false;
      let sawHalf = false;
      childLines.on('line', (line) => {
        if (line === 'half') sawHalf = true;
        if (line === 'done') childDone = true;
      });

      const writes = async () => (await store.events(run.id)).filter((e) => e.type === 'child.write');
      let reads = 0;
      let lastCount = 0;
      let released = false;
      let beat = 0;
      const deadline = Date.now() + 8000;
      while (!childDone && Date.now() < deadline) {
        const count = (await writes()).length;
        assert.ok(count >= lastCount, 'the event count never goes back');
        lastCount = count;
        assert.equal((await store.listRuns()).length, 1);
        await store.heartbeat(run.id, owner, new Date(Date.parse(at) + ++beat).toISOString());
        reads++;
        if (sawHalf && !released) {
          // the child waits here, so exactly its first 100 writes are visible
          assert.equal((await writes()).length, 100);
          released = true;
          child.stdin.write('go\n');
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const code = await exited;
      assert.doesNotMatch(stderr, /SQLITE_BUSY|database is locked/i);
      assert.equal(code, 0, stderr);
      assert.ok(released, 'the child reached its half-way point');
      assert.ok(reads > 2, `only ${reads} reads happened while the child wrote`);

      const events = await writes();
      assert.equal(events.length, 200);
      assert.deepEqual(
        events.map((e) => e.data['i']),
        Array.from({ length: 200 }, (_, i) => i),
      );
      assert.equal((await store.steps(run.id)).length, 7);
      assert.equal((await store.outputs(run.id))['build/step-3']?.['i'], '199');
    } finally {
      await store.close();
    }
  });
});
