import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../config/errors.ts';
import { parsePipeline } from '../../config/load.ts';

const pipeline = (verify: string) => `version: 1
environments:
  production:
    target: { kind: local, command: node server.js, port: 4000 }
    verify: ${verify}
stages:
  build: { steps: [{ run: 'true' }] }
`;

describe("an environment's verify: policy", () => {
  it('resolves a keyless policy: identity, issuer, trusted root and level rules, paths made absolute', () => {
    const p = parsePipeline(
      pipeline(
        `{ certificate-identity-regexp: '^https://github\\.com/acme/', certificate-oidc-issuer: https://token.actions.githubusercontent.com, trusted-root: roots/github.json, min-slsa-level: 3, builders: [{ builder: 'https://github.com/actions/runner/github-hosted', signer: 'https://github.com/acme/*', level: 3 }] }`,
      ),
      'runway.yaml',
      '/srv/shop',
    );
    assert.deepEqual(p.environments['production']?.verify, {
      trustedRoot: '/srv/shop/roots/github.json',
      identityRegexp: '^https://github\\.com/acme/',
      issuer: 'https://token.actions.githubusercontent.com',
      minSlsaLevel: 3,
      builders: [
        {
          builder: 'https://github.com/actions/runner/github-hosted',
          signer: 'https://github.com/acme/*',
          level: 3,
        },
      ],
    });
  });

  it('refuses a policy that trusts nobody, or a level SLSA does not have, naming the place', () => {
    for (const [verify, message] of [
      [
        '{ min-slsa-level: 2 }',
        /^invalid environments\.production\.verify — expected key: .* or certificate-identity/,
      ],
      ['{ key: k.pub, min-slsa-level: 4 }', /environments\.production\.verify\.min-slsa-level/],
    ] as const) {
      try {
        parsePipeline(pipeline(verify), 'runway.yaml', '/srv/shop');
        assert.fail(`accepted ${verify}`);
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.issues[0]?.message ?? '', message);
        assert.equal(error.issues[0]?.line, 5);
      }
    }
  });
});
