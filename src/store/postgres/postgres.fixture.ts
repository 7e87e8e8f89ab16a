/*
 * A real PostgreSQL 15 for tests: its own cluster in a temp directory, on 127.0.0.1 and a port the
 * OS picked, owned by the `postgres` user when the tests run as root (initdb refuses root). Never
 * the system service, so parallel test runs do not meet.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';

/** A running test cluster. */
export interface PostgresCluster {
  /** A URL for a new, empty database of its own. */
  freshDatabase(): Promise<string>;
  /** The URL of database `name`. */
  url(name: string): string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a cluster; `scripts/test-deps.ts` installs PostgreSQL 15 before `npm test` runs. */
export async function startPostgres(): Promise<PostgresCluster> {
  if (!existsSync(`${BIN}/initdb`)) {
    throw new Error(`PostgreSQL 15 is missing (${BIN}/initdb): run node scripts/test-deps.ts`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'runway-pg-'));
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]): void => {
    const all = [...user, cmd, ...args];
    const res = spawnSync(all[0]!, all.slice(1), { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${cmd} failed: ${res.stderr || res.stdout}`);
  };
  const data = join(dir, 'data');
  run(`${BIN}/initdb`, ['-D', data, '-U', 'runway', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  run(`${BIN}/pg_ctl`, [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  const url = (name: string) => `postgres://runway@127.0.0.1:${port}/${name}`;
  let n = 0;
  return {
    url,
    async freshDatabase() {
      const name = `t${process.pid}_${++n}`;
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop() {
      try {
        run(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
