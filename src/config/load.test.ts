import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { loadPipeline, parsePipeline } from './load.ts';
import type { Pipeline } from './pipeline.ts';

const FILE = 'runway.yaml';

function parse(text: string): Pipeline {
  return parsePipeline(text, FILE, '/tmp');
}

/** The issues `text` is rejected with; fails if it is accepted or fails some other way. */
function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parse(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    for (const issue of err.issues) assert.equal(issue.file, FILE);
    return err.issues;
  }
  assert.fail('expected the pipeline to be rejected');
}

/** Asserts `text` is rejected with exactly one issue, at `line`:`col`, whose message matches. */
function rejects(text: string, line: number, col: number, message: RegExp): ConfigIssue {
  const issues = issuesOf(text);
  assert.equal(
    issues.length,
    1,
    `expected one issue, got:\n${issues.map((i) => JSON.stringify(i)).join('\n')}`,
  );
  const [issue] = issues as [ConfigIssue];
  assert.match(issue.message, message);
  assert.deepEqual({ line: issue.line, col: issue.col }, { line, col }, issue.message);
  return issue;
}

const VALID = `version: 1
name: demo
defaults:
  timeout: 5m
  retry: 1
stages:
  deploy:
    needs: [unit, integration]
    timeout: 1h30m
    if: 'ref == "refs/heads/main"'
    steps:
      - uses: commitlint
      - uses: commitlint
        with: { header-max-length: 72 }
      - run: ./deploy.sh "\${{ stages.build.steps.bundle.outputs.version }}"
        retry: { count: 2, delay: 250ms }
        timeout: 1.5
  unit:
    needs: build
    retry: { count: 3 }
    steps:
      - name: Unit Tests!
        run: npm test
      - name: unit tests
        run: npm test -- --again
        continue-on-error: true
  build:
    working-directory: app
    steps:
      - run: |
          make
          make install
      - id: bundle
        run: echo version=1.2.3 >> "$RUNWAY_OUTPUT"
        env: { TAG: '\${{ steps["step-1"].outputs.x }}' }
      - name: "123"
        run: echo
  integration:
    needs: build
    services:
      db:
        run: ./db
        ready: { tcp: 5432 }
      api:
        run: ./api
        ready: { http: 'http://localhost:8080/health', timeout: 10s, interval: 1s }
      bare:
        run: ./bare
    steps:
      - run: echo
`;

describe('parsePipeline: a valid pipeline', () => {
  const pipeline = parse(VALID);
  const stage = (name: string) => {
    const s = pipeline.stages.find((x) => x.name === name);
    assert.ok(s, `stage ${name}`);
    return s;
  };

  it('keeps the file, root, name and defaults', () => {
    assert.equal(pipeline.file, FILE);
    assert.equal(pipeline.root, '/tmp');
    assert.equal(pipeline.name, 'demo');
    assert.equal(pipeline.concurrency, 2);
    assert.deepEqual(pipeline.inheritEnv, []);
  });

  it('orders stages so each comes after its needs, file order breaking ties', () => {
    assert.deepEqual(
      pipeline.stages.map((s) => s.name),
      ['build', 'unit', 'integration', 'deploy'],
    );
  });

  it('turns needs into a list', () => {
    assert.deepEqual(stage('unit').needs, ['build']);
    assert.deepEqual(stage('deploy').needs, ['unit', 'integration']);
    assert.deepEqual(stage('build').needs, []);
  });

  it('derives step ids from id, name or action, else step-N, with suffixes for repeats', () => {
    assert.deepEqual(
      stage('build').steps.map((s) => s.key),
      ['build/step-1', 'build/bundle', 'build/step-3'],
    );
    assert.deepEqual(
      stage('unit').steps.map((s) => s.id),
      ['unit-tests', 'unit-tests-2'],
    );
    assert.deepEqual(
      stage('deploy').steps.map((s) => s.id),
      ['commitlint', 'commitlint-2', 'step-3'],
    );
    assert.deepEqual(
      stage('deploy').steps.map((s) => s.index),
      [0, 1, 2],
    );
  });

  it('names steps after their name, action or first command line', () => {
    assert.deepEqual(
      stage('build').steps.map((s) => s.name),
      ['make', 'echo version=1.2.3 >> "$RUNWAY_OUTPUT"', '123'],
    );
    assert.equal(stage('deploy').steps[0]?.name, 'uses commitlint');
  });

  it('converts durations to milliseconds', () => {
    assert.equal(stage('deploy').timeoutMs, 5_400_000);
    assert.equal(stage('deploy').steps[2]?.timeoutMs, 1500);
    assert.equal(stage('build').steps[0]?.timeoutMs, 300_000, 'defaults.timeout applies to steps');
    assert.equal(stage('build').timeoutMs, undefined);
  });

  it('normalises retry from defaults, stage and step', () => {
    assert.deepEqual(stage('build').steps[0]?.retry, { count: 1, delayMs: 0 });
    assert.deepEqual(stage('unit').steps[0]?.retry, { count: 3, delayMs: 0 });
    assert.deepEqual(stage('deploy').steps[2]?.retry, { count: 2, delayMs: 250 });
  });

  it('keeps run, uses, with, if, env, continue-on-error and working directories', () => {
    const [make, bundle] = stage('build').steps;
    assert.equal(make?.run, 'make\nmake install\n');
    assert.equal(make?.workingDirectory, 'app');
    assert.deepEqual(bundle?.env, { TAG: '${{ steps["step-1"].outputs.x }}' });
    const [lint, lint2] = stage('deploy').steps;
    assert.equal(lint?.uses, 'commitlint');
    assert.equal(lint?.run, undefined);
    assert.deepEqual(lint2?.with, { 'header-max-length': 72 });
    assert.equal(stage('deploy').if, 'ref == "refs/heads/main"');
    assert.equal(stage('deploy').steps[2]?.workingDirectory, '.');
    assert.equal(stage('unit').steps[1]?.continueOnError, true);
    assert.equal(stage('unit').steps[0]?.continueOnError, false);
  });

  it('resolves services with readiness defaults', () => {
    assert.deepEqual(stage('integration').services, [
      {
        name: 'db',
        run: './db',
        env: {},
        workingDirectory: '.',
        ready: { kind: 'tcp', target: '127.0.0.1:5432', timeoutMs: 30_000, intervalMs: 100 },
      },
      {
        name: 'api',
        run: './api',
        env: {},
        workingDirectory: '.',
        ready: { kind: 'http', target: 'http://localhost:8080/health', timeoutMs: 10_000, intervalMs: 1000 },
      },
      {
        name: 'bare',
        run: './bare',
        env: {},
        workingDirectory: '.',
        ready: { kind: 'none', target: '', timeoutMs: 30_000, intervalMs: 100 },
      },
    ]);
  });

  it('is frozen, so a run stores exactly what was validated', () => {
    assert.ok(Object.isFrozen(pipeline));
    assert.ok(Object.isFrozen(stage('deploy').steps[2]?.retry));
    assert.throws(() => {
      (pipeline.stages as unknown as unknown[]).push({});
    }, TypeError);
  });

  it('names a pipeline after its service, else "pipeline"', () => {
    const minimal = 'version: 1\nstages:\n  a:\n    steps: [{ run: x }]\n';
    assert.equal(parse(minimal).name, 'pipeline');
    assert.equal(parse(`service: { name: checkout }\n${minimal}`).name, 'checkout');
  });
});

describe('parsePipeline: invalid pipelines name the line and column', () => {
  it('an unknown key, at the key', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: make
        timout: 5m
`,
      6,
      9,
      /unknown key "timout".* in stages\.build\.steps\.0 — expected one of: .*timeout/,
    );
  });

  it('a ${{ }} in single quotes of a run: script, which bash would leave as literal text', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - id: image
        run: echo "version=1" >> "$RUNWAY_OUTPUT"
      - run: curl -fsS localhost/health | jq -e --arg v '\${{ steps.image.outputs.version }}' '.version == $v'
`,
      7,
      14,
      /^a \$\{\{ \}\} inside single quotes stays literal text in bash .* put it in double quotes/,
    );
    assert.equal(
      parse(`version: 1
stages:
  build:
    steps:
      - run: echo "\${{ sha }}" 'it''s' \\'\${{ sha }} # '\${{ sha }}'
`).stages[0]?.steps[0]?.run?.startsWith('echo'),
      true,
    );
  });

  it('bad YAML indentation, at the misplaced line', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: make
     name: x
`,
      6,
      1,
      /^invalid YAML: All mapping items must start at the same column/,
    );
  });

  it('a duplicate key, at its second occurrence', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: make
  build:
    steps:
      - run: make
`,
      6,
      3,
      /^invalid YAML: Map keys must be unique — each key may appear once/,
    );
  });

  it('needs naming a missing stage, at that list item', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: make
  test:
    needs: [build, lint]
    steps:
      - run: make test
`,
      7,
      20,
      /stage "test" needs "lint", which does not exist — expected one of: build, test/,
    );
  });

  it('needs naming a missing stage as a string', () => {
    rejects(
      `version: 1
stages:
  test:
    needs: lint
    steps:
      - run: make test
`,
      4,
      12,
      /stage "test" needs "lint", which does not exist/,
    );
  });

  it('a stage that needs itself', () => {
    rejects(
      `version: 1
stages:
  test:
    needs: [test]
    steps: [{ run: x }]
`,
      4,
      13,
      /stage "test" needs itself/,
    );
  });

  it('a cycle, showing its path', () => {
    rejects(
      `version: 1
stages:
  a:
    needs: c
    steps: [{ run: x }]
  b:
    needs: a
    steps: [{ run: x }]
  c:
    needs: b
    steps: [{ run: x }]
`,
      4,
      12,
      /stages form a cycle: a → c → b → a/,
    );
  });

  it('bad CEL in a stage if:, with the column inside the expression', () => {
    rejects(
      `version: 1
stages:
  build:
    if: ref == "main" &&
    steps:
      - run: make
`,
      4,
      9,
      /invalid expression "ref == \\"main\\" &&": .*\(at column 17 of the expression\)/,
    );
  });

  it('an unknown variable in a step if:', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: make
        if: 'branch == "main" && nope'
`,
      6,
      13,
      /Unknown variable: nope \(at column 21 of the expression\)/,
    );
  });

  it('bad CEL inside ${{ }} in run:', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: echo \${{ github.sha }}
`,
      5,
      14,
      /invalid expression "github\.sha": Unknown variable: github/,
    );
  });

  it('an unknown action, listing the valid ones', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - uses: comitlint
`,
      5,
      15,
      /unknown action "comitlint".* — expected one of: approval, attest, commitlint, deploy, evidence, gate\/coverage, gate\/image-size, gate\/licenses, gate\/release, gate\/sarif, gate\/tests, notify, rollout, sbom, scan\/secrets, verify-attestation/,
    );
  });

  it('bad with: inputs of commitlint, each at its own place', () => {
    const issues = issuesOf(`version: 1
stages:
  build:
    steps:
      - uses: commitlint
        with:
          header-max-length: 10
          typo: true
`);
    assert.equal(issues.length, 2);
    const [tooSmall, unknown] = issues as [ConfigIssue, ConfigIssue];
    assert.deepEqual([tooSmall.line, tooSmall.col], [7, 30]);
    assert.match(tooSmall.message, /stages\.build\.steps\.0\.with\.header-max-length must be >= 20/);
    assert.deepEqual([unknown.line, unknown.col], [8, 11]);
    assert.match(
      unknown.message,
      /unknown key "typo" in stages\.build\.steps\.0\.with — expected one of: message, types, header-max-length/,
    );
  });

  it('gate/image-size: a limit that is not a size, and no image to measure', () => {
    const issues = issuesOf(`version: 1
stages:
  build:
    steps:
      - uses: gate/image-size
        with: { path: dist.tar.gz, limit: 500 megs }
      - uses: gate/image-size
        with: { limit: 500MB }
`);
    assert.equal(issues.length, 2, issues.map((i) => i.message).join('\n'));
    const [limit, source] = issues as [ConfigIssue, ConfigIssue];
    assert.deepEqual([limit.line, limit.col], [6, 43]);
    assert.match(limit.message, /^"500 megs" is not a size: expected bytes or a number with B, kB, MB/);
    assert.deepEqual([source.line, source.col], [8, 24]);
    assert.match(
      source.message,
      /^give exactly one of oci-layout, docker-inspect, path \(the image to measure\); got none$/,
    );
  });

  it('with: of the wrong type', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - uses: commitlint
        with:
          types: fix
`,
      7,
      18,
      /with\.types must be an array/,
    );
  });

  it('a step with both run: and uses:, at uses:', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: make
        uses: commitlint
`,
      6,
      9,
      /a step has either run: or uses:, not both/,
    );
  });

  it('a step with neither run: nor uses:, at the step', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - name: nothing
`,
      5,
      9,
      /a step needs either run: \(a shell command\) or uses: \(a built-in action\)/,
    );
  });

  it('duplicate explicit step ids, at the second id', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - id: compile
        run: make
      - id: compile
        run: make again
`,
      7,
      13,
      /duplicate step id "compile"/,
    );
  });

  it('an expression referring to a later step, listing the earlier ones', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - id: first
        run: echo
      - name: second
        run: echo \${{ steps.third.outputs.x }}
      - id: third
        run: echo x=1 >> $RUNWAY_OUTPUT
`,
      8,
      14,
      /expression refers to step "third" — expected an earlier step of this stage: first/,
    );
  });

  it('an expression referring to a stage that is not needed', () => {
    rejects(
      `version: 1
stages:
  build:
    steps: [{ run: make }]
  deploy:
    if: stages.test.result == "success"
    steps: [{ run: ./deploy }]
  test:
    steps: [{ run: make test }]
`,
      6,
      9,
      /expression refers to stage "test", which this stage does not need/,
    );
  });

  it('an invalid duration', () => {
    rejects(
      `version: 1
stages:
  build:
    steps:
      - run: make
        timeout: 5 minutes
`,
      6,
      18,
      /invalid stages\.build\.steps\.0\.timeout — expected a duration such as 30s, 5m, 1h30m/,
    );
  });

  it('a duration with a space between its parts is either read or reported with its position', () => {
    const text = `version: 1
stages:
  build:
    steps:
      - run: make
        timeout: 1h 30m
`;
    try {
      assert.equal(parse(text).stages[0]?.steps[0]?.timeoutMs, 5_400_000);
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
      assert.deepEqual([err.issues[0]?.line, err.issues[0]?.col], [6, 18]);
    }
  });

  it('an if: that is not a condition is reported when loading, not when running', () => {
    rejects(
      `version: 1
stages:
  build:
    if: ref
    steps:
      - run: make
`,
      4,
      9,
      /bool|true or false|condition/,
    );
  });

  it('version: 2', () => {
    rejects(
      `version: 2
stages:
  build:
    steps:
      - run: make
`,
      1,
      10,
      /^version must be 1$/,
    );
  });

  it('missing stages', () => {
    rejects('version: 1\n', 1, 1, /the file is missing "stages"/);
  });

  it('a file that is not a mapping', () => {
    rejects('- just\n- a list\n', 1, 1, /must be a mapping with "version" and "stages"/);
  });

  it('a secret with both env: and file:', () => {
    rejects(
      `version: 1
secrets:
  TOKEN: { env: TOKEN, file: token.txt }
stages:
  a:
    steps: [{ run: x }]
`,
      3,
      10,
      /secret "TOKEN" needs exactly one of env: or file:/,
    );
  });

  it('lists every issue, sorted by position, in the error message', () => {
    const text = `version: 1
stages:
  build:
    steps:
      - uses: nope
      - id: a
        run: x
      - id: a
        run: y
  test:
    needs: missing
    steps: [{ run: z }]
`;
    const issues = issuesOf(text);
    assert.deepEqual(
      issues.map((i) => [i.line, i.col]),
      [
        [5, 15],
        [8, 13],
        [11, 12],
      ],
    );
    try {
      parse(text);
    } catch (err) {
      const lines = String((err as Error).message).split('\n');
      assert.equal(lines.length, 3);
      assert.match(lines[0] ?? '', /^runway\.yaml:5:15: unknown action "nope"/);
      assert.match(lines[2] ?? '', /^runway\.yaml:11:12: stage "test" needs "missing"/);
    }
  });
});

describe('hostile and oversized YAML', () => {
  const laughs = () => {
    let text = 'version: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let i = 1; i < 9; i++)
      text += `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]\n`;
    return `${text}stages: {}\n`;
  };

  it('a billion-laughs document is one error at the alias that crosses the limit', () => {
    rejects(
      laughs(),
      8,
      10,
      /^invalid YAML: the file stands for more than 1,000,000 values once its aliases/,
    );
  });

  it('an alias naming no anchor is an error at the alias', () => {
    rejects(
      'version: 1\nstages:\n  a:\n    steps: *nope\n',
      4,
      12,
      /alias \*nope names no anchor &nope set before it/,
    );
  });

  it('one anchor used 100 times is a legitimate file', () => {
    const uses = Array.from({ length: 100 }, () => '      - *c\n').join('');
    const pipeline = parse(`version: 1\nstages:\n  a:\n    steps:\n      - &c { run: echo hi }\n${uses}`);
    assert.equal(pipeline.stages[0]?.steps.length, 101);
  });

  it('a cycle through 5,000 stages is reported, shortened, without exhausting the stack', () => {
    const stages = Array.from(
      { length: 5000 },
      (_, i) => `  s${i}:\n    needs: [s${(i + 1) % 5000}]\n    steps: [{ run: echo }]\n`,
    ).join('');
    const issue = rejects(`version: 1\nstages:\n${stages}`, 4, 12, /^stages form a cycle: s0 → s1 → /);
    assert.match(issue.message, /… \(4992 more\) → s4998 → s4999 → s0 — needs must form a DAG$/);
  });

  it('duplicate keys among 100,000 are found in one pass, at the second occurrence', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `  K${i}: v\n`).join('');
    rejects(
      `version: 1\nenv:\n${keys}  K7: again\nstages:\n  a:\n    steps: [{ run: echo }]\n`,
      100_003,
      3,
      /^invalid YAML: Map keys must be unique — each key may appear once \("K7"\)/,
    );
  });

  it('nesting deeper than 100 levels is an error, not a stack overflow', () => {
    rejects(
      `version: 1\nx: ${'['.repeat(150)}${']'.repeat(150)}\nstages: {}\n`,
      2,
      104,
      /nested deeper than 100 levels/,
    );
  });
});

describe('deploy with.env', () => {
  it('a ${{ secrets.X }} in with.env is a load-time error at that value, never a literal for the app', () => {
    rejects(
      `version: 1
secrets:
  TOKEN: { env: DEPLOY_TOKEN }
environments:
  staging:
    target: { kind: local, command: node server.js, port: 4100 }
stages:
  deploy:
    steps:
      - uses: deploy
        with:
          environment: staging
          env: { API_TOKEN: '\${{ secrets.TOKEN }}', MODE: blue }
`,
      13,
      29,
      /^with\.env\.API_TOKEN is passed to the release as written .* — expected a literal value \(a secret must not be stored with a release\)/,
    );
  });
});

describe('pipeline file size', () => {
  it('a file over 4 MiB is refused with the limit named, before it is parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-load-'));
    const file = join(dir, 'runway.yaml');
    writeFileSync(file, `version: 1\n# ${'x'.repeat(5 * 1024 * 1024)}\nstages: {}\n`);
    assert.throws(
      () => loadPipeline(file),
      (err: ConfigError) =>
        err instanceof ConfigError && /is \d+ bytes — expected at most 4194304 \(4 MiB\)/.test(err.message),
    );
  });
});
