import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { project, runway, spawnRunway } from './helpers.ts';

type Who =
  | 'none'
  | 'viewer'
  | 'deployer'
  | 'approver'
  | 'admin'
  | 'shop-staging-deployer'
  | 'po@example.com'
  | 'sre@example.com';

/** Each call, and the tokens that may make it (every other token gets 403, no token 401). */
const TABLE: { method: string; path: string; body?: unknown; allowed: Who[] }[] = [
  {
    method: 'GET',
    path: '/v1/rollouts',
    allowed: ['viewer', 'deployer', 'approver', 'admin', 'shop-staging-deployer'],
  },
  {
    method: 'GET',
    path: '/v1/environments',
    allowed: ['viewer', 'deployer', 'approver', 'admin', 'shop-staging-deployer'],
  },
  {
    method: 'GET',
    path: '/v1/whoami',
    allowed: ['viewer', 'deployer', 'approver', 'admin', 'shop-staging-deployer'],
  },
  {
    method: 'GET',
    path: '/v1/environments/shop/production',
    allowed: ['viewer', 'deployer', 'approver', 'admin'],
  },
  {
    method: 'POST',
    path: '/v1/rollouts',
    body: { service: 'shop', environment: 'staging' },
    allowed: ['deployer', 'admin', 'shop-staging-deployer'],
  },
  {
    method: 'POST',
    path: '/v1/rollouts',
    body: { service: 'shop', environment: 'production' },
    allowed: ['deployer', 'admin'],
  },
  {
    method: 'POST',
    path: '/v1/environments/shop/staging/commands',
    body: { command: 'promote' },
    allowed: ['deployer', 'admin', 'shop-staging-deployer'],
  },
  {
    method: 'POST',
    path: '/v1/environments/shop/production/commands',
    body: { command: 'abort' },
    allowed: ['deployer', 'admin'],
  },
  {
    method: 'POST',
    path: '/v1/environments/shop/staging/undo',
    body: {},
    allowed: ['deployer', 'admin', 'shop-staging-deployer'],
  },
  {
    method: 'PUT',
    path: '/v1/environments/shop/staging/faults/v1',
    body: { errorRate: 0.5 },
    allowed: ['admin'],
  },
  { method: 'POST', path: '/v1/alertmanager', body: { alerts: [] }, allowed: ['deployer', 'admin'] },
  { method: 'GET', path: '/v1/tokens', allowed: ['admin'] },
  { method: 'POST', path: '/v1/tokens', body: { name: 'x', role: 'nobody' }, allowed: ['admin'] },
  { method: 'DELETE', path: '/v1/tokens/no-such-token', allowed: ['admin'] },
  { method: 'GET', path: '/v1/audit', allowed: ['admin'] },
  {
    method: 'GET',
    path: '/v1/runs',
    allowed: ['viewer', 'deployer', 'approver', 'admin', 'shop-staging-deployer'],
  },
  {
    method: 'POST',
    path: '/v1/runs/999/approvals',
    body: { verdict: 'approve' },
    allowed: ['approver', 'admin'],
  },
];

const PIPELINE = `
version: 1
roles:
  product-owner: [po@example.com]
  sre: [sre@example.com]
stages:
  uat:
    steps:
      - id: sign-off
        uses: approval
        with: { roles: [product-owner], required: 1, timeout: 5m, message: approve the UAT report }
`;

describe('the API authorises every call by the token’s role and scope', { timeout: 120_000 }, () => {
  let dir = '';
  let serve: ChildProcess | undefined;
  let url = '';
  let logs = '';
  const tokens = new Map<Who, string>();

  before(async () => {
    dir = project(PIPELINE);
    const make = async (who: Who, args: string[]) => {
      const r = await runway(['token', 'create', who, ...args, '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      tokens.set(who, (JSON.parse(r.stdout) as { token: string }).token);
    };
    for (const role of ['viewer', 'deployer', 'approver', 'admin'] as const)
      await make(role, ['--role', role]);
    await make('shop-staging-deployer', ['--role', 'deployer', '--service', 'shop', '--env', 'staging']);
    await make('po@example.com', ['--role', 'approver']);
    await make('sre@example.com', ['--role', 'approver']);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.setEncoding('utf8').on('data', (c: string) => (logs += c));
    serve.stderr?.setEncoding('utf8').on('data', (c: string) => (logs += c));
    const data = join(dir, '.runway', 'runway');
    for (let i = 0; i < 300 && !url; i++) {
      const info = join(data, 'server.json');
      if (existsSync(info)) {
        const server = JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string };
        if (server.pid === serve.pid) url = server.url;
      }
      if (!url) await sleep(50);
    }
    if (!url) throw new Error('runway serve did not start');
  });

  after(async () => {
    await runway(['serve', 'stop'], { cwd: dir });
    serve?.kill('SIGKILL');
  });

  const call = async (who: Who, method: string, path: string, body?: unknown) => {
    const token = tokens.get(who);
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { error?: string } };
  };

  const everyone: Who[] = ['none', 'viewer', 'deployer', 'approver', 'admin', 'shop-staging-deployer'];
  for (const row of TABLE) {
    it(`${row.method} ${row.path} ${row.body ? JSON.stringify(row.body) : ''}: ${row.allowed.join(', ')}`, async () => {
      for (const who of everyone) {
        const r = await call(who, row.method, row.path, row.body);
        if (who === 'none') {
          assert.equal(r.status, 401, `no token: ${JSON.stringify(r.body)}`);
        } else if (row.allowed.includes(who)) {
          assert.ok(
            r.status !== 401 && r.status !== 403,
            `${who} is allowed, got ${r.status} ${r.body.error}`,
          );
        } else {
          assert.equal(r.status, 403, `${who} is refused, got ${r.status} ${r.body.error}`);
          assert.match(r.body.error ?? '', /needs (role|one of the roles)|is scoped to/, r.body.error);
        }
      }
    });
  }

  it('a refusal names the role that is needed; a revoked token is 401', async () => {
    const r = await call('viewer', 'POST', '/v1/environments/shop/production/commands', {
      command: 'promote',
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.body.error,
      'token "viewer" has role viewer; command needs one of the roles deployer, admin',
    );
    const created = await call('admin', 'POST', '/v1/tokens', { name: 'short-lived', role: 'viewer' });
    assert.equal(created.status, 201);
    const clear = (created.body as { token: string }).token;
    tokens.set('none', clear);
    assert.equal((await call('none', 'GET', '/v1/rollouts')).status, 200);
    assert.equal((await call('admin', 'DELETE', '/v1/tokens/short-lived')).status, 200);
    assert.equal((await call('none', 'GET', '/v1/rollouts')).status, 401);
    tokens.delete('none');
  });

  it('the CLI with a viewer token (from a file) is refused a promote with exit 4 and the reason', async () => {
    const file = join(dir, 'viewer.token');
    writeFileSync(file, `${tokens.get('viewer')}\n`, { mode: 0o600 });
    const r = await runway(['rollout', 'promote', 'shop', '--env', 'production'], {
      cwd: dir,
      env: { RUNWAY_TOKEN_FILE: file },
    });
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      r.stderr,
      /not allowed: token "viewer" has role viewer; command needs one of the roles deployer, admin/,
    );
  });

  it('every mutating call is in the audit log with who, what, when and the result', async () => {
    const r = await runway(['audit', '--json', '--limit', '500'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const { entries } = JSON.parse(r.stdout) as {
      entries: {
        at: string;
        tokenName: string;
        method: string;
        path: string;
        status: number;
        error?: string;
      }[];
    };
    const refused = entries.find(
      (e) => e.tokenName === 'viewer' && e.path === '/v1/environments/shop/production/commands',
    );
    assert.ok(refused, 'the refused promote is audited');
    assert.equal(refused.status, 403);
    assert.match(refused.error ?? '', /needs one of the roles deployer, admin/);
    assert.ok(!Number.isNaN(Date.parse(refused.at)));
    assert.ok(entries.some((e) => e.tokenName === 'admin' && e.method === 'DELETE' && e.status === 200));
    assert.ok(entries.some((e) => e.method === 'CLI' && /^token create viewer/.test(e.path)));
    assert.ok(!entries.some((e) => e.method === 'GET'), 'reads are not audited');
  });

  it('an approver approves a waiting approval over the API; the server checks role and eligibility', async () => {
    const child = spawnRunway(['run', '--json', '--message', 'feat: x', '--author', 'dev@example.com'], {
      cwd: dir,
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('"step.started"') && resolve());
    });
    const body = { verdict: 'approve', comment: 'UAT report looks good' };
    const viewer = await call('viewer', 'POST', '/v1/runs/1/approvals', body);
    assert.equal(viewer.status, 403);
    assert.match(viewer.body.error ?? '', /approve needs one of the roles approver, admin/);
    const outsider = await call('sre@example.com', 'POST', '/v1/runs/1/approvals', body);
    assert.equal(outsider.status, 403);
    assert.match(outsider.body.error ?? '', /does not hold a role that may approve \(product-owner\)/);
    const as = await call('po@example.com', 'POST', '/v1/runs/1/approvals', {
      ...body,
      as: 'someone@example.com',
    });
    assert.equal(as.status, 403);
    const ok = await call('po@example.com', 'POST', '/v1/runs/1/approvals', body);
    assert.equal(ok.status, 201, ok.body.error);
    assert.deepEqual(ok.body, {
      run: 1,
      step: 'uat/sign-off',
      approver: 'po@example.com',
      verdict: 'approve',
    });
    assert.equal(await closed, 0);
    const run = (await call('viewer', 'GET', '/v1/runs/1')).body as unknown as {
      run: { status: string };
      approvals: { approver: string; comment: string }[];
    };
    assert.equal(run.run.status, 'succeeded');
    assert.deepEqual(
      run.approvals.map((a) => [a.approver, a.comment]),
      [['po@example.com', 'UAT report looks good']],
    );
  });

  it('runway approve with a token of its own goes through the server, which checks the role', async () => {
    const child = spawnRunway(['run', '--json', '--message', 'feat: y', '--author', 'dev@example.com'], {
      cwd: dir,
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stdout?.setEncoding('utf8').on('data', (c: string) => c.includes('"step.started"') && resolve());
    });
    const viewer = await runway(['approve', '2'], { cwd: dir, env: { RUNWAY_TOKEN: tokens.get('viewer')! } });
    assert.equal(viewer.code, 4, viewer.stderr);
    assert.match(viewer.stderr, /approve needs one of the roles approver, admin/);
    const as = await runway(['approve', '2', '--as', 'po@example.com'], {
      cwd: dir,
      env: { RUNWAY_TOKEN: tokens.get('sre@example.com')! },
    });
    assert.equal(as.code, 2);
    const ok = await runway(['approve', '2', '--comment', 'ok'], {
      cwd: dir,
      env: { RUNWAY_TOKEN: tokens.get('po@example.com')! },
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'po@example.com approved uat/sign-off of run 2\n');
    assert.equal(await closed, 0);
  });

  it('an approver grants and revokes an override over the API, recorded as granted by the token', async () => {
    const refused = await call('deployer', 'POST', '/v1/overrides', {
      service: 'shop',
      environment: 'production',
      reason: 'hotfix for the checkout outage',
      expires: '2h',
    });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error ?? '', /override needs one of the roles approver, admin/);
    const bad = await call('approver', 'POST', '/v1/overrides', {
      service: 'shop',
      environment: 'production',
      reason: 'too short',
      expires: '48h',
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'expires must be more than 0 and at most 24h, got 48h');
    const granted = await call('approver', 'POST', '/v1/overrides', {
      service: 'shop',
      environment: 'production',
      reason: 'hotfix for the checkout outage',
      expires: '2h',
      rules: ['window'],
    });
    assert.equal(granted.status, 201, granted.body.error);
    const o = granted.body as unknown as { id: number; grantedBy: string; rules: string[] };
    assert.equal(o.grantedBy, 'approver');
    const cli = await runway(['override', 'list', '--json'], { cwd: dir });
    assert.deepEqual(
      (JSON.parse(cli.stdout) as { id: number; grantedBy: string }[]).map((x) => [x.id, x.grantedBy]),
      [[o.id, 'approver']],
    );
    assert.equal((await call('shop-staging-deployer', 'DELETE', `/v1/overrides/${o.id}`)).status, 403);
    assert.equal((await call('approver', 'DELETE', `/v1/overrides/${o.id}`)).status, 200);
    const list = (await call('viewer', 'GET', '/v1/overrides')).body as unknown as { overrides: unknown[] };
    assert.deepEqual(list.overrides, []);
  });

  it('no token appears in clear in the logs, the store or the audit log', async () => {
    const data = join(dir, '.runway');
    const files = readdirSync(data, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && /\.db(-wal|-shm)?$/.test(f.name))
      .map((f) => join(f.parentPath, f.name));
    assert.ok(files.length > 0, 'found the SQLite store');
    const stored = files.map((f) => readFileSync(f).toString('latin1')).join('');
    const audit = (await runway(['audit', '--json', '--limit', '1000'], { cwd: dir })).stdout;
    const listed = (await runway(['token', 'list', '--json'], { cwd: dir })).stdout;
    assert.equal(tokens.size, 7);
    for (const [who, token] of tokens) {
      assert.ok(!stored.includes(token), `${who}'s token is in the store in clear`);
      assert.ok(!logs.includes(token), `${who}'s token is in the server's log`);
      assert.ok(!audit.includes(token), `${who}'s token is in the audit log`);
      assert.ok(!listed.includes(token), `${who}'s token is in token list`);
    }
    assert.ok(stored.includes('api_tokens'), 'the store was read');
  });
});
