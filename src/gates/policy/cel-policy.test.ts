import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CelPolicy, PolicyDefinitionError } from './cel-policy.ts';
import type { PolicyDocument } from './cel-policy.ts';
import { passingInput, withChanges } from './gate-input.fixture.ts';
import type { GateInput } from './gate-input.ts';
import { policyContract } from './policy.contract.ts';

const NOW = new Date('2026-01-06T10:00:00.000Z');

const small: PolicyDocument = {
  name: 'small',
  deny: [
    { name: 'p1', when: 'input.slo.active_p1_incidents > 0', message: 'P1 open' },
    {
      name: 'coverage',
      when: 'input.gates.quality.coverage < 80.0',
      message: 'coverage ${{ input.gates.quality.coverage }}% < 80%',
    },
  ],
  warn: [
    {
      name: 'p2',
      when: 'input.slo.active_p2_incidents > 0',
      message: '${{ input.slo.active_p2_incidents }} P2',
    },
  ],
  strategy: [{ when: 'input.tier == 1', use: 'tier1-progressive' }],
  defaultStrategy: 'tier2-standard',
};

function definitionError(document: unknown): PolicyDefinitionError {
  try {
    new CelPolicy(document as PolicyDocument);
  } catch (err) {
    assert.ok(err instanceof PolicyDefinitionError, `expected a PolicyDefinitionError, got ${String(err)}`);
    return err;
  }
  assert.fail('the policy was accepted');
}

const only = (rule: PolicyDocument['deny']): PolicyDocument => ({ name: 'p', deny: rule ?? [] });

policyContract('CEL policy', () => ({ policy: new CelPolicy(small), input: passingInput() }));

describe('CelPolicy construction', () => {
  it('names the rule and field of a malformed expression', () => {
    const err = definitionError({
      name: 'p',
      deny: [
        { name: 'a', when: 'true', message: 'a' },
        { name: 'b', when: 'true', message: 'b' },
        { name: 'broken', when: 'input.slo.fast_burn_rate >', message: 'x' },
      ],
    });
    assert.equal(err.path, 'policy.deny[2].when');
    assert.match(
      err.message,
      /^policy\.deny\[2\]\.when: Unexpected token: EOF \(column \d+\) \(rule "broken"\)$/,
    );
  });

  const malformed: [string, unknown, string][] = [
    [
      'a non-boolean condition',
      only([{ name: 'a', when: '1 + 2', message: 'x' }]),
      'policy.deny[0].when: must be true or false, but this is a int (rule "a")',
    ],
    [
      'an unknown variable',
      only([{ name: 'a', when: 'inptu.tier == 1', message: 'x' }]),
      'policy.deny[0].when: Unknown variable: inptu (column 1) (rule "a")',
    ],
    [
      'a broken message part',
      only([{ name: 'a', when: 'true', message: 'x ${{ input. }}' }]),
      'policy.deny[0].message: ',
    ],
    [
      'an empty message',
      only([{ name: 'a', when: 'true', message: '' }]),
      'policy.deny[0].message: must be text',
    ],
    [
      'a missing condition',
      only([{ name: 'a', message: 'x' } as never]),
      'policy.deny[0].when: must be a CEL expression (rule "a")',
    ],
    [
      'a non-boolean overridable',
      only([{ name: 'a', when: 'true', message: 'x', overridable: 'no' as never }]),
      'policy.deny[0].overridable: must be true or false, got "no"',
    ],
    [
      'an unknown rule key',
      only([{ name: 'a', when: 'true', message: 'x', severity: 'high' } as never]),
      'policy.deny[0].severity: unknown key (expected one of name, when, message, overridable)',
    ],
    [
      'an unknown policy key',
      { name: 'p', denny: [] },
      'policy.denny: unknown key (expected one of name, deny, warn, strategy, defaultStrategy)',
    ],
    [
      'an uppercase name',
      { name: 'Release Policy' },
      'policy.name: must be a lowercase name like "coverage", got "Release Policy"',
    ],
    [
      'overridable on a warning',
      { name: 'p', warn: [{ name: 'a', when: 'true', message: 'x', overridable: false }] },
      'policy.warn[0].overridable: unknown key',
    ],
    [
      'rules that are not a list',
      { name: 'p', deny: { name: 'a' } },
      'policy.deny: must be a list, got {"name":"a"}',
    ],
    [
      'a bad strategy name',
      { name: 'p', strategy: [{ when: 'true', use: '' }] },
      'policy.strategy[0].use: must be a lowercase name',
    ],
    [
      'a bad strategy condition',
      {
        name: 'p',
        strategy: [
          { when: 'input.tier', use: 'slow' },
          { when: '"x"', use: 'slow' },
        ],
      },
      'policy.strategy[1].when: must be true or false, but this is a string (rule "strategy[1]")',
    ],
  ];
  for (const [what, document, message] of malformed) {
    it(`rejects ${what}`, () => {
      assert.ok(definitionError(document).message.startsWith(message), definitionError(document).message);
    });
  }

  it('rejects a rule name used twice, across deny and warn', () => {
    const err = definitionError({
      name: 'p',
      deny: [{ name: 'dup', when: 'true', message: 'x' }],
      warn: [{ name: 'dup', when: 'true', message: 'x' }],
    });
    assert.equal(err.message, 'policy.warn[0].name: duplicate rule name "dup"');
  });

  it('versions a policy by the digest of its content, independent of key order', () => {
    const reordered: PolicyDocument = {
      defaultStrategy: 'tier2-standard',
      strategy: small.strategy ?? [],
      warn: small.warn ?? [],
      deny: small.deny ?? [],
      name: 'small',
    };
    const a = new CelPolicy(small);
    assert.match(a.version, /^sha256:[0-9a-f]{64}$/);
    assert.equal(new CelPolicy(reordered).version, a.version);
    assert.notEqual(new CelPolicy({ ...small, defaultStrategy: 'slow' }).version, a.version);
  });
});

describe('CelPolicy evaluation', () => {
  const policy = new CelPolicy(small);

  it('allows when nothing matches and picks the first matching strategy', () => {
    const decision = policy.decide(passingInput(), NOW);
    assert.equal(decision.outcome, 'allow');
    assert.equal(decision.strategy, 'tier1-progressive');
    assert.equal(decision.evaluatedAt, '2026-01-06T10:00:00.000Z');
  });

  it('falls back to the default strategy', () => {
    assert.equal(policy.decide(withChanges(passingInput(), { tier: 3 }), NOW).strategy, 'tier2-standard');
    const noDefault = new CelPolicy({ ...small, defaultStrategy: undefined });
    assert.equal(noDefault.decide(withChanges(passingInput(), { tier: 3 }), NOW).strategy, undefined);
  });

  it('renders message parts and defaults overridable to true', () => {
    const decision = policy.decide(withChanges(passingInput(), { 'gates.quality.coverage': 72.5 }), NOW);
    assert.deepEqual(decision.violations, [
      { rule: 'coverage', message: 'coverage 72.5% < 80%', overridable: true },
    ]);
  });

  it('keeps warnings apart from violations', () => {
    const decision = policy.decide(withChanges(passingInput(), { 'slo.active_p2_incidents': 2 }), NOW);
    assert.equal(decision.outcome, 'allow');
    assert.deepEqual(decision.warnings, [{ rule: 'p2', message: '2 P2' }]);
  });

  it('turns a missing field into a violation naming it', () => {
    const decision = policy.decide(
      withChanges(passingInput(), { 'slo.active_p1_incidents': undefined }),
      NOW,
    );
    assert.deepEqual(decision.violations, [
      {
        rule: 'p1',
        message: 'rule p1 could not be evaluated: input.slo.active_p1_incidents is missing',
        overridable: true,
      },
    ]);
  });

  it('turns an evaluation error into a violation', () => {
    const decision = policy.decide(withChanges(passingInput(), { 'gates.quality.coverage': 'high' }), NOW);
    assert.equal(decision.outcome, 'deny');
    assert.match(
      decision.violations[0]?.message ?? '',
      /^rule coverage could not be evaluated: no such overload: dyn<string> < double/,
    );
  });

  it('turns a non-boolean condition result into a violation, never a truthy pass', () => {
    const dyn = new CelPolicy(only([{ name: 'flag', when: 'input.slo.active_p1_incidents', message: 'x' }]));
    const decision = dyn.decide(withChanges(passingInput(), { 'slo.active_p1_incidents': 0 }), NOW);
    assert.deepEqual(decision.violations, [
      {
        rule: 'flag',
        message: 'rule flag could not be evaluated: when gave 0, expected true or false',
        overridable: true,
      },
    ]);
  });

  it('keeps a never-overridable rule never overridable when it cannot be evaluated', () => {
    const strict = new CelPolicy(
      only([
        { name: 'crit', when: 'input.gates.security.critical_cves > 0', message: 'x', overridable: false },
      ]),
    );
    const decision = strict.decide({}, NOW);
    assert.equal(decision.violations[0]?.overridable, false);
  });

  it('denies when a warning or strategy rule cannot be evaluated', () => {
    const decision = policy.decide(withChanges(passingInput(), { slo: undefined, tier: undefined }), NOW);
    assert.deepEqual(
      decision.violations.map((v) => [v.rule, v.overridable]),
      [
        ['p1', true],
        ['p2', true],
        ['strategy[0]', false],
      ],
    );
    assert.equal(decision.strategy, undefined);
  });

  it('still reports a matched rule whose message cannot be rendered', () => {
    const p = new CelPolicy(only([{ name: 'm', when: 'true', message: 'budget ${{ input.slo.nope }}' }]));
    assert.deepEqual(p.decide(passingInput(), NOW).violations, [
      {
        rule: 'm',
        message: 'rule m matched, but its message could not be rendered: input.slo.nope is missing',
        overridable: true,
      },
    ]);
  });

  it('gives rules the decision time as `now`', () => {
    const freeze = new CelPolicy(
      only([
        {
          name: 'year-end-freeze',
          when: 'now >= timestamp("2026-12-20T00:00:00Z") && now < timestamp("2027-01-04T00:00:00Z")',
          message: 'year-end freeze until 2027-01-04 (now ${{ now }})',
        },
      ]),
    );
    assert.equal(freeze.decide(passingInput(), NOW).outcome, 'allow');
    assert.deepEqual(freeze.decide(passingInput(), new Date('2026-12-24T12:00:00Z')).violations, [
      {
        rule: 'year-end-freeze',
        message: 'year-end freeze until 2027-01-04 (now 2026-12-24T12:00:00.000Z)',
        overridable: true,
      },
    ]);
  });

  it('denies an input that is not an object', () => {
    const decision = new CelPolicy({ name: 'empty' }).decide(null as unknown as GateInput, NOW);
    assert.deepEqual(decision.violations, [
      { rule: 'input', message: 'input is not an object', overridable: false },
    ]);
  });

  it('allows anything under a policy without rules (rules are opt-in, not defaults)', () => {
    assert.equal(new CelPolicy({ name: 'empty' }).decide({}, NOW).outcome, 'allow');
  });

  it('evaluate resolves to the same decision as decide', async () => {
    const input = withChanges(passingInput(), { 'slo.active_p1_incidents': 1 });
    assert.deepEqual(await policy.evaluate(input, NOW), policy.decide(input, NOW));
  });
});
