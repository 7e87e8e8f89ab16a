import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { parsePipeline } from './load.ts';

const FILE = 'runway.yaml';

function withEnvironment(lines: string): string {
  return `version: 1
service: { name: web }
environments:
  production:
${lines}
stages:
  build: { steps: [ { run: echo } ] }
`;
}

function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parsePipeline(text, FILE, '/srv/web');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected the pipeline to be rejected');
}

describe('target: and router: of an environment', () => {
  it('an unknown target kind is an error at the kind that lists the valid kinds', () => {
    const [issue, ...rest] = issuesOf(withEnvironment('    target: { kind: nomad, command: x, port: 4000 }'));
    assert.equal(rest.length, 0);
    assert.deepEqual({ line: issue!.line, col: issue!.col }, { line: 5, col: 21 });
    assert.match(issue!.message, /target\.kind is "nomad" — expected one of: local/);
  });

  it('an unknown router kind is an error that lists the valid kinds', () => {
    const issues = issuesOf(
      withEnvironment('    target: { kind: local, command: x, port: 4000 }\n    router: { kind: envoy }'),
    );
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /router\.kind is "envoy" — expected one of: local, haproxy/);
    assert.equal(issues[0]!.line, 6);
  });

  it("a kind's required keys are named when missing", () => {
    const issues = issuesOf(
      withEnvironment('    target: { kind: local, port: 4000 }\n    router: { kind: haproxy, backend: web }'),
    );
    assert.deepEqual(issues.map((i) => i.message).sort(), [
      'environments.production.router is missing "runtime-api" — it is required',
      'environments.production.target is missing "command" — it is required',
    ]);
  });

  it('the router defaults to the local Node router', () => {
    const p = parsePipeline(
      withEnvironment('    target: { kind: local, command: x, port: 4000 }'),
      FILE,
      '/srv/web',
    );
    assert.deepEqual(p.environments['production']!.router, { kind: 'local' });
  });

  it('an haproxy router resolves its runtime API: a socket path against the file, host:port as written', () => {
    const socket = parsePipeline(
      withEnvironment(
        '    target: { kind: local, command: x, port: 4000 }\n    router: { kind: haproxy, runtime-api: run/admin.sock, backend: web }',
      ),
      FILE,
      '/srv/web',
    );
    assert.deepEqual(socket.environments['production']!.router, {
      kind: 'haproxy',
      runtimeApi: '/srv/web/run/admin.sock',
      backend: 'web',
    });
    const tcp = parsePipeline(
      withEnvironment(
        '    target: { kind: local, command: x, port: 4000 }\n    router: { kind: haproxy, runtime-api: "127.0.0.1:9999", backend: web }',
      ),
      FILE,
      '/srv/web',
    );
    assert.equal(
      (tcp.environments['production']!.router as { runtimeApi: string }).runtimeApi,
      '127.0.0.1:9999',
    );
  });
});
