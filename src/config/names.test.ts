import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from './errors.ts';
import { parsePipeline } from './load.ts';
import { NAME, nameProblem } from './names.ts';

function pipeline(service: string, environment: string, deploys = true): string {
  return `version: 1
service: { name: ${service} }
${deploys ? `environments:\n  ${environment}: { target: { kind: local, command: x, port: 4000 } }\n` : ''}stages:
  build: { steps: [ { run: echo } ] }
`;
}

function messages(text: string): string[] {
  try {
    parsePipeline(text, 'runway.yaml', '/srv/web');
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => `${i.line}:${i.col} ${i.message}`);
  }
}

describe('service and environment names of a pipeline that deploys', () => {
  it('are refused at load time when a rollout request or API path would refuse them', () => {
    assert.deepEqual(messages(pipeline('web', 'production')), []);
    const [service] = messages(pipeline('Checkout_API', 'production'));
    assert.match(
      service ?? '',
      /^2:18 service\.name "Checkout_API" must be lower-case .* e\.g\. "checkout-api"$/,
    );
    const [env] = messages(pipeline('web', 'Prod_EU'));
    assert.match(env ?? '', /^4:3 environment "Prod_EU" must be lower-case .* e\.g\. "prod-eu"$/);
  });

  it('are free as before in a pipeline that deploys nothing', () => {
    assert.deepEqual(messages(pipeline('Checkout_API', 'production', false)), []);
  });

  it('suggest a name that is itself accepted (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,80}$/), (name) => {
        const problem = nameProblem(name);
        if (NAME.test(name)) return assert.equal(problem, undefined);
        const suggested = /e\.g\. "([^"]*)"/.exec(problem ?? '')?.[1];
        if (suggested !== undefined) assert.match(suggested, NAME);
      }),
    );
  });
});
