import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../config/errors.ts';
import { parsePipeline } from '../config/load.ts';
import { resolveSecrets } from '../engine/secrets.ts';
import { configuredSubscriptions } from './subscription.ts';

const load = (notifications: string, extra = '') =>
  parsePipeline(
    `version: 1
service: { name: web }
secrets:
  SLACK_WEBHOOK: { env: SLACK_WEBHOOK }
${extra}notifications:
${notifications}
stages:
  build:
    steps:
      - run: echo ok
`,
    'runway.yaml',
    '/tmp',
  );

function messages(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.line}:${i.col} ${i.message}`);
    throw err;
  }
  assert.fail('expected a config error');
}

describe('notifications: in runway.yaml', () => {
  it('resolves a subscription with its defaults: every event, every environment, 3 retries after 1 s', () => {
    const p = load('  team:\n    slack: { url-secret: SLACK_WEBHOOK }');
    assert.deepEqual(p.notifications?.['team']?.retry, { count: 3, delayMs: 1000 });
    assert.equal(p.notifications?.['team']?.urlSecret, 'SLACK_WEBHOOK');
    assert.ok(p.notifications?.['team']?.events.includes('rollout.rolled-back'));
  });

  it('an undeclared secret, two notifiers, or an unknown event is an error at its line and column', () => {
    assert.deepEqual(
      messages(() => load('  team:\n    slack: { url-secret: SLACK_URL }')),
      ['7:26 secret "SLACK_URL" is not declared under secrets: (declared: SLACK_WEBHOOK)'],
    );
    assert.match(
      messages(() => load('  team:\n    slack: { url: https://hooks.slack.com/x }\n    none: {}'))[0]!,
      /^7:5 notification "team" needs exactly one notifier, got slack and none — expected one of: slack, webhook, github, none/,
    );
    assert.match(
      messages(() => load('  team:\n    none: {}\n    events: [run.exploded]'))[0]!,
      /^8:14 notifications.team.events.0 is "run.exploded" — expected one of: run.started, run.succeeded, run.failed/,
    );
  });

  it('an environment not declared is an error naming the declared ones', () => {
    const text = `version: 1
environments:
  production: { target: { kind: local, command: node server.js, port: 4000 } }
notifications:
  team: { none: {}, environments: [prod] }
stages:
  build:
    steps:
      - run: echo ok
`;
    assert.match(
      messages(() => parsePipeline(text, 'runway.yaml', '/tmp'))[0]!,
      /environment "prod" is not declared under environments: \(declared: production\)/,
    );
  });

  it('uses: notify names only declared subscriptions', () => {
    const text = `version: 1
notifications:
  team: { none: {} }
stages:
  tell:
    steps:
      - uses: notify
        with: { message: hi, to: [teem] }
`;
    assert.match(
      messages(() => parsePipeline(text, 'runway.yaml', '/tmp'))[0]!,
      /notification "teem" is not declared under notifications: \(declared: team\)/,
    );
  });
});

describe('a subscription whose URL secret is optional', () => {
  const pipeline = () =>
    load(
      '  team:\n    slack: { url-secret: DEMO_HOOK }\n  ops:\n    slack: { url-secret: SLACK_WEBHOOK }',
      '  DEMO_HOOK: { env: DEMO_HOOK, optional: true }\n',
    );

  it('is off while the secret is unset: the run starts, and nothing is sent to it', () => {
    const p = pipeline();
    const secrets = resolveSecrets(p, { SLACK_WEBHOOK: 'https://hooks.example/x' });
    assert.deepEqual(secrets, { SLACK_WEBHOOK: 'https://hooks.example/x' });
    const on = configuredSubscriptions(p.notifications ?? {}, p.secrets, secrets);
    assert.deepEqual(Object.keys(on), ['ops']);
  });

  it('is on once the secret is set', () => {
    const p = pipeline();
    const secrets = resolveSecrets(p, { SLACK_WEBHOOK: 'https://a/x', DEMO_HOOK: 'https://b/y' });
    const on = configuredSubscriptions(p.notifications ?? {}, p.secrets, secrets);
    assert.deepEqual(Object.keys(on).sort(), ['ops', 'team']);
  });

  it('a secret that is not optional still stops the run when unset', () => {
    assert.throws(
      () => resolveSecrets(pipeline(), {}),
      /missing secrets: SLACK_WEBHOOK \(environment variable SLACK_WEBHOOK is not set\)$/,
    );
  });
});
