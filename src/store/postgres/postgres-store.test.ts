import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore } from '../open.ts';
import { CONTRACT_CONTEXT, CONTRACT_PIPELINE, storeContract } from '../store.contract.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { startPostgres, type PostgresCluster } from './postgres.fixture.ts';
import { PostgresStore } from './postgres-store.ts';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster?.stop());

storeContract('postgres', async () => PostgresStore.open(await cluster.freshDatabase()));

const owner = { pid: 1, host: 'test' };
const at = '2026-01-02T03:04:05.000Z';

describe('PostgresStore migrations', () => {
  it('keeps the data when the database is opened again, without re-running migrations', async () => {
    const url = await cluster.freshDatabase();
    const first = await PostgresStore.open(url);
    const run = await first.createRun({ pipeline: CONTRACT_PIPELINE, context: CONTRACT_CONTEXT, owner, at });
    await first.close();
    const again = await PostgresStore.open(url);
    try {
      assert.deepEqual(await again.getRun(run.id), run);
    } finally {
      await again.close();
    }
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((r) => Number(r.version)),
        POSTGRES_MIGRATIONS.map((m) => m.version),
      );
    } finally {
      await db.end();
    }
  });

  it('migrates once when several control planes open a new database together', async () => {
    const url = await cluster.freshDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url)));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a database written by a newer runway, saying so', async () => {
    const url = await cluster.freshDatabase();
    await (await PostgresStore.open(url)).close();
    const latest = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      latest + 1,
      'from the future',
      at,
    ]);
    await db.end();
    await assert.rejects(PostgresStore.open(url), {
      message: `the store was written by a newer runway (schema ${latest + 1}, this one knows ${latest})`,
    });
  });
});

describe('openStore with postgres://', () => {
  it('opens a PostgreSQL store from its URL', async () => {
    const store = await openStore(await cluster.freshDatabase());
    try {
      assert.equal(store.kind, 'postgres');
      assert.deepEqual(await store.listRuns(), []);
    } finally {
      await store.close();
    }
  });

  it('names the server it cannot reach without printing the password', async () => {
    const url = cluster
      .url('runway')
      .replace('runway@', 'runway:s3cret-pw@')
      .replace(/:(\d+)\//, ':1/');
    await assert.rejects(openStore(url), (err: Error) => {
      assert.doesNotMatch(err.message, /s3cret-pw/);
      assert.match(err.message, /postgres:\/\/runway:\*\*\*@127\.0\.0\.1:1\/runway/);
      return true;
    });
  });
});
