import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkRolloutRequest } from '../deploy/rollout-request.ts';
import { routerSpecProblem } from './kinds.ts';

describe('router specs that reach the control plane over the API', () => {
  it('accepts the local router and an haproxy router with a socket path or host:port', () => {
    assert.equal(routerSpecProblem({ kind: 'local' }), undefined);
    assert.equal(
      routerSpecProblem({ kind: 'haproxy', runtimeApi: '/run/haproxy/admin.sock', backend: 'shop' }),
      undefined,
    );
    assert.equal(
      routerSpecProblem({ kind: 'haproxy', runtimeApi: '127.0.0.1:9999', backend: 'shop' }),
      undefined,
    );
  });

  it('refuses what would reach HAProxy as more than one command, or a kind it does not know', () => {
    assert.match(routerSpecProblem({ kind: 'envoy' }) ?? '', /unknown router kind "envoy"/);
    assert.match(
      routerSpecProblem({ kind: 'haproxy', runtimeApi: '/run/a.sock', backend: 'shop; shutdown sessions' }) ??
        '',
      /backend/,
    );
    assert.match(
      routerSpecProblem({ kind: 'haproxy', runtimeApi: 'relative.sock', backend: 'shop' }) ?? '',
      /runtimeApi/,
    );
    assert.match(routerSpecProblem({ kind: 'local', extra: 1 }) ?? '', /no options/);
  });

  it('a rollout request names a bad router field', () => {
    const checked = checkRolloutRequest({
      service: 'shop',
      environment: 'production',
      port: 4000,
      router: { kind: 'haproxy', runtimeApi: '/run/a.sock', backend: 'a b' },
      release: {
        version: 'v1',
        command: 'node server.js',
        cwd: '/srv/shop',
        env: {},
        replicas: 1,
        health: '/health',
      },
    });
    assert.equal(checked.ok, false);
    assert.deepEqual(!checked.ok && checked.issues.map((i) => i.field), ['router']);
  });
});
