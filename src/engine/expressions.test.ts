import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compile,
  CONTEXT_VARIABLES,
  evaluate,
  evaluateCondition,
  ExpressionError,
  findTemplates,
  renderTemplate,
  rewriteScript,
  type ExpressionContext,
} from './expressions.ts';

function context(over: Partial<ExpressionContext> = {}): ExpressionContext {
  return {
    sha: '0123456789abcdef0123456789abcdef01234567',
    ref: 'refs/heads/main',
    branch: 'main',
    message: 'feat(api): add quotes',
    author: 'Ada <ada@example.com>',
    committed_at: '2026-01-02T03:04:05Z',
    trigger: 'push',
    labels: [],
    pull_request: 0n,
    run: { id: 7 },
    env: { REGION: 'eu-west-1' },
    steps: { bundle: { outputs: { version: '1.4.2', digest: 'sha256:abc' }, outcome: 'success' } },
    stages: { build: { result: 'success', steps: { bundle: { outputs: { version: '1.4.2' } } } } },
    evidence: { 'coverage.lines': 83.2, 'tests.passed': 42, 'tests.flaky': false, 'scan.grade': 'A' },
    secrets: {},
    ...over,
  };
}

function expressionError(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ExpressionError, `expected an ExpressionError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an ExpressionError');
}

describe('evaluateCondition', () => {
  it('compares ref and branch', () => {
    const ctx = context();
    assert.equal(evaluateCondition('ref == "refs/heads/main"', ctx, 'success'), true);
    assert.equal(evaluateCondition('branch == "release"', ctx, 'success'), false);
    assert.equal(evaluateCondition('ref.startsWith("refs/heads/")', ctx, 'success'), true);
    assert.equal(
      evaluateCondition('ref.startsWith("refs/tags/")', context({ ref: 'refs/tags/v1' }), 'success'),
      true,
    );
    assert.equal(evaluateCondition('branch in ["main", "release"]', ctx, 'success'), true);
  });

  it('reads step outputs, stage results and the environment', () => {
    const ctx = context();
    assert.equal(evaluateCondition('steps.bundle.outputs.version == "1.4.2"', ctx, 'success'), true);
    assert.equal(evaluateCondition('steps.bundle.outputs.version.startsWith("2.")', ctx, 'success'), false);
    assert.equal(evaluateCondition('stages.build.result == "success"', ctx, 'success'), true);
    assert.equal(
      evaluateCondition('stages.build.steps.bundle.outputs.version == "1.4.2"', ctx, 'success'),
      true,
    );
    assert.equal(evaluateCondition('env.REGION == "eu-west-1"', ctx, 'success'), true);
    assert.equal(evaluateCondition('"digest" in steps.bundle.outputs', ctx, 'success'), true);
  });

  it('compares typed evidence', () => {
    const ctx = context();
    assert.equal(evaluateCondition('evidence["coverage.lines"] >= 80.0', ctx, 'success'), true);
    assert.equal(evaluateCondition('evidence["coverage.lines"] > 90.0', ctx, 'success'), false);
    assert.equal(evaluateCondition('evidence["tests.passed"] > 40.0', ctx, 'success'), true);
    assert.equal(evaluateCondition('!evidence["tests.flaky"]', ctx, 'success'), true);
    assert.equal(evaluateCondition('evidence["scan.grade"] == "A"', ctx, 'success'), true);
  });

  it('treats a plain condition as "success() && condition"', () => {
    const ctx = context();
    assert.equal(evaluateCondition('ref == "refs/heads/main"', ctx, 'success'), true);
    assert.equal(evaluateCondition('ref == "refs/heads/main"', ctx, 'failure'), false);
    assert.equal(evaluateCondition('ref == "refs/heads/main"', ctx, 'cancelled'), false);
  });

  it('offers success(), failure(), cancelled() and always() over the status so far', () => {
    const ctx = context();
    const table: [string, boolean, boolean, boolean][] = [
      // expression, on success, on failure, on cancelled
      ['success()', true, false, false],
      ['failure()', false, true, false],
      ['cancelled()', false, false, true],
      ['always()', true, true, true],
      ['!cancelled()', true, true, false],
      ['success() || failure()', true, true, false],
    ];
    for (const [expr, ok, failed, cancelled] of table) {
      assert.equal(evaluateCondition(expr, ctx, 'success'), ok, `${expr} on success`);
      assert.equal(evaluateCondition(expr, ctx, 'failure'), failed, `${expr} on failure`);
      assert.equal(evaluateCondition(expr, ctx, 'cancelled'), cancelled, `${expr} on cancelled`);
    }
  });

  it('does not add success() when the condition uses a status function', () => {
    const ctx = context();
    assert.equal(evaluateCondition('failure() && branch == "main"', ctx, 'failure'), true);
    assert.equal(evaluateCondition('always() && branch == "main"', ctx, 'cancelled'), true);
    assert.equal(evaluateCondition('always() && branch == "dev"', ctx, 'failure'), false);
  });

  it('rejects a non-boolean result instead of treating it as truthy', () => {
    const ctx = context();
    assert.throws(
      () => evaluateCondition('always() ? "yes" : "no"', ctx, 'success'),
      /condition "always\(\) \? \\"yes\\" : \\"no\\"" gave yes, expected true or false/,
    );
    assert.throws(
      () => evaluateCondition('always() ? 1 : 0', ctx, 'failure'),
      /gave 1, expected true or false/,
    );
    // a plain non-boolean condition fails too, however it is reported
    assert.throws(() => evaluateCondition('steps.bundle.outputs.version', ctx, 'success'));
    assert.throws(() => evaluateCondition('ref', ctx, 'success'));
  });

  it('reports a missing key at run time as an error naming the expression', () => {
    assert.throws(
      () => evaluateCondition('steps.deploy.outputs.url == "x"', context(), 'success'),
      /steps\.deploy\.outputs\.url/,
    );
  });

  it('reports errors at positions of the condition as written', () => {
    const err = expressionError(() => evaluateCondition('nope == 1', context(), 'success'));
    assert.equal(err.col, 1);
    const err2 = expressionError(() => evaluateCondition('ref ==', context(), 'success'));
    assert.doesNotMatch(err2.message, /RPAREN/);
    assert.equal(err2.col, 7);
  });
});

describe('compile', () => {
  it('accepts every context variable', () => {
    for (const name of CONTEXT_VARIABLES) assert.doesNotThrow(() => compile(`${name} == ${name}`), name);
  });

  it('rejects unknown variables before anything runs', () => {
    const err = expressionError(() => compile('nope == 1'));
    assert.match(err.message, /Unknown variable: nope/);
    assert.equal(err.line, 1);
    assert.equal(err.col, 1);
    const err2 = expressionError(() => compile('branch == "main" && github.ref == "x"'));
    assert.match(err2.message, /Unknown variable: github/);
    assert.equal(err2.col, 21);
  });

  it('gives syntax errors with line and column in the expression', () => {
    const eof = expressionError(() => compile('ref == '));
    assert.match(eof.message, /Unexpected token: EOF/);
    assert.deepEqual([eof.line, eof.col], [1, 8]);
    const amp = expressionError(() => compile('ref == "a" &&& branch'));
    assert.match(amp.message, /Unexpected/);
    assert.equal(amp.line, 1);
    assert.ok(amp.col >= 12 && amp.col <= 14, `col ${amp.col}`);
    const multi = expressionError(() => compile('ref == "a" &&\n  nope'));
    assert.deepEqual([multi.line, multi.col], [2, 3]);
  });

  it('rejects type errors at compile time', () => {
    const err = expressionError(() => compile('ref == 1'));
    assert.match(err.message, /no such overload/);
  });

  it('rejects calling an unknown function', () => {
    assert.throws(() => compile('deploy()'), ExpressionError);
  });
});

describe('evaluate', () => {
  it('gives typed values', () => {
    const ctx = context();
    assert.equal(evaluate('branch + "-" + sha.substring(0, 7)', ctx), 'main-0123456');
    assert.equal(evaluate('size(steps.bundle.outputs)', ctx), 2n);
    assert.equal(evaluate('evidence["coverage.lines"]', ctx), 83.2);
  });
});

describe('rewriteScript', () => {
  it('turns each ${{ expr }} into a numbered environment variable reference', () => {
    const { script, bindings } = rewriteScript(
      'echo "${{ message }}"\necho ${{steps.bundle.outputs.version}} > v.txt\necho ${{ message }}',
    );
    assert.equal(script, 'echo "${RUNWAY_EXPR_0}"\necho ${RUNWAY_EXPR_1} > v.txt\necho ${RUNWAY_EXPR_2}');
    assert.deepEqual(bindings, [
      { name: 'RUNWAY_EXPR_0', expr: 'message' },
      { name: 'RUNWAY_EXPR_1', expr: 'steps.bundle.outputs.version' },
      { name: 'RUNWAY_EXPR_2', expr: 'message' },
    ]);
  });

  it('keeps values out of the shell text: they only reach the step through bindings', () => {
    const hostile = 'fix: x"; rm -rf / #$(touch pwned)`id`';
    const ctx = context({ message: hostile });
    const { script, bindings } = rewriteScript('git tag -m "${{ message }}" v1');
    assert.equal(script, 'git tag -m "${RUNWAY_EXPR_0}" v1');
    assert.ok(!script.includes('rm -rf') && !script.includes('$(touch'));
    const env = Object.fromEntries(bindings.map((b) => [b.name, String(evaluate(b.expr, ctx))]));
    assert.deepEqual(env, { RUNWAY_EXPR_0: hostile });
  });

  it('leaves a script without expressions unchanged', () => {
    const text = 'echo "${HOME}" ${{ not closed';
    assert.deepEqual(rewriteScript(text), { script: text, bindings: [] });
  });
});

describe('findTemplates', () => {
  it('finds each template with its trimmed expression and range', () => {
    const text = 'a ${{ ref }} b ${{\n  branch\n}} c';
    const parts = findTemplates(text);
    assert.deepEqual(
      parts.map((p) => p.expr),
      ['ref', 'branch'],
    );
    for (const p of parts) {
      assert.ok(text.slice(p.start, p.end).startsWith('${{'));
      assert.ok(text.slice(p.start, p.end).endsWith('}}'));
    }
    assert.equal(parts[0]?.start, 2);
  });
});

describe('renderTemplate', () => {
  it('renders strings, integers, doubles, booleans, null, lists and maps as text', () => {
    const ctx = context();
    assert.equal(renderTemplate('v${{ steps.bundle.outputs.version }}', ctx), 'v1.4.2');
    assert.equal(renderTemplate('n=${{ 1 + 2 }}', ctx), 'n=3');
    assert.equal(renderTemplate('big=${{ 9007199254740993 }}', ctx), 'big=9007199254740993');
    assert.equal(renderTemplate('c=${{ evidence["coverage.lines"] }}%', ctx), 'c=83.2%');
    assert.equal(renderTemplate('ok=${{ branch == "main" }}', ctx), 'ok=true');
    assert.equal(renderTemplate('ok=${{ evidence["tests.flaky"] }}', ctx), 'ok=false');
    assert.equal(renderTemplate('x=${{ null }}.', ctx), 'x=.');
    assert.equal(renderTemplate('l=${{ [1, "a", true] }}', ctx), 'l=[1,"a",true]');
    assert.equal(
      renderTemplate('m=${{ steps.bundle.outputs }}', ctx),
      'm={"version":"1.4.2","digest":"sha256:abc"}',
    );
  });

  it('keeps the text around templates and text without templates', () => {
    const ctx = context();
    assert.equal(renderTemplate('${{ branch }}/${{ branch }}', ctx), 'main/main');
    assert.equal(renderTemplate('plain $HOME ${NOT}', ctx), 'plain $HOME ${NOT}');
  });

  it('fails with an error naming the expression when a value is missing', () => {
    assert.throws(
      () => renderTemplate('${{ steps.missing.outputs.x }}', context()),
      /steps\.missing\.outputs\.x/,
    );
  });
});

describe('GitHub pull request variables', () => {
  it("reads the seed's label condition and the pull request number", () => {
    const seed = "'e2e' in labels || ref == 'refs/heads/main'";
    const pr = { ref: 'refs/pull/2/merge', pull_request: 2n };
    assert.equal(evaluateCondition(seed, context({ ...pr, labels: ['bug', 'e2e'] }), 'success'), true);
    assert.equal(evaluateCondition(seed, context({ ...pr, labels: ['bug'] }), 'success'), false);
    assert.equal(evaluateCondition(seed, context({ labels: [] }), 'success'), true);
    assert.equal(evaluateCondition('pull_request == 2', context(pr), 'success'), true);
  });
});

describe('matches() runs in linear time', () => {
  it('answers a catastrophic pattern on a hostile commit message at once', { timeout: 5000 }, () => {
    const message = `${'a'.repeat(40)}!`;
    assert.equal(evaluateCondition('message.matches("^(a+)+$")', context({ message }), 'success'), false);
    assert.equal(evaluateCondition('message.matches("^(a|aa)+!$")', context({ message }), 'success'), true);
  });

  it('refuses at compile time a pattern that needs backtracking, naming its position', () => {
    assert.throws(
      () => compile('ref == "x" || message.matches("(a)\\\\1")'),
      (err: ExpressionError) =>
        err instanceof ExpressionError &&
        err.col === 31 &&
        /backreferences and lookaround are not supported/.test(err.message),
    );
    assert.throws(() => compile('message.matches("(?=a)b")'), /linear time/);
  });

  it('refuses a pattern computed at run time, which could not be checked', () => {
    assert.throws(() => compile('message.matches(env.REGION)'), /needs a literal string pattern/);
  });
});
