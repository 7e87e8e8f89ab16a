import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionContext } from '../action.ts';
import { gateTests } from './gate-tests.ts';

const FIXTURES = new URL('../../../test/fixtures/junit/', import.meta.url).pathname;
let dir: string;

function ctx(inputs: Record<string, unknown>, lines: string[] = []): ActionContext {
  const partial: Partial<ActionContext> = {
    inputs,
    workingDirectory: dir,
    log: (line) => lines.push(line),
    run: { id: 1, pipeline: { name: 'svc' } as ActionContext['run']['pipeline'] },
  };
  return partial as ActionContext;
}

describe('gate/tests', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runway-gate-tests-'));
    mkdirSync(join(dir, 'reports'));
    for (const f of ['go-junit-report-pass-fail-skip.xml', 'pytest-junitxml.xml', 'gitleaks-junit-empty.xml'])
      copyFileSync(join(FIXTURES, f), join(dir, 'reports', f));
    writeFileSync(
      join(dir, 'reports', 'flaky.xml'),
      '<testsuite name="s"><testcase classname="S" name="retried" time="2"><flakyFailure message="x"/></testcase></testsuite>',
    );
    writeFileSync(
      join(dir, 'reports', 'ok.xml'),
      '<testsuite name="s"><testcase classname="S" name="ok"/></testsuite>',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('records evidence and fails on failures, logging the slowest five', async () => {
    const lines: string[] = [];
    const result = await gateTests.run(ctx({ files: 'reports/go-*.xml' }, lines));
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'tests gate failed: 1 failed or errored test(s), none allowed');
    assert.deepEqual(result.evidence, {
      'tests.total': 5,
      'tests.passed': 2,
      'tests.failed': 1,
      'tests.errored': 0,
      'tests.skipped': 2,
      'tests.flaky': 0,
    });
    const slowest = lines.slice(lines.indexOf('slowest:') + 1);
    assert.deepEqual(slowest, [
      '  0.151s  package/fail › TestOne',
      '  0.130s  package/skip › TestSkipNow',
      '  0.100s  package/pass › TestPassLog',
      '  0.060s  package/pass › TestPass',
      '  0.020s  package/skip › TestSkip',
    ]);
  });

  it('allow-failures: passes at the limit, fails one above it, across several globs', async () => {
    const files = ['reports/go-*.xml', 'reports/pytest-*.xml'];
    assert.equal((await gateTests.run(ctx({ files, 'allow-failures': 3 }))).ok, true);
    const over = await gateTests.run(ctx({ files, 'allow-failures': 2 }));
    assert.equal(over.ok, false);
    assert.match(over.reason ?? '', /3 failed or errored test\(s\), at most 2 allowed/);
  });

  it('fails on a flaky test unless fail-on-flaky is false', async () => {
    const flaky = await gateTests.run(ctx({ files: ['reports/flaky.xml'] }));
    assert.equal(flaky.ok, false);
    assert.equal(flaky.reason, 'tests gate failed: 1 flaky test(s): S › retried');
    assert.equal(flaky.evidence?.['tests.flaky'], 1);
    assert.equal((await gateTests.run(ctx({ files: 'reports/flaky.xml', 'fail-on-flaky': false }))).ok, true);
  });

  it('passes a clean report', async () => {
    const result = await gateTests.run(ctx({ files: 'reports/ok.xml' }));
    assert.deepEqual([result.ok, result.reason, result.evidence?.['tests.passed']], [true, undefined, 1]);
  });

  it('fails when no file matches, when no test case is found, on a truncated report', async () => {
    assert.deepEqual(await gateTests.run(ctx({ files: ['nope/*.xml', 'x.xml'] })), {
      ok: false,
      reason: 'no JUnit report matched "nope/*.xml", "x.xml"',
    });
    const empty = await gateTests.run(ctx({ files: 'reports/gitleaks-*.xml' }));
    assert.equal(empty.reason, 'tests gate failed: no test cases in 1 report(s)');
    writeFileSync(join(dir, 'cut.xml'), '<testsuites><testsuite name="a"><testcase name="t">');
    const cut = await gateTests.run(ctx({ files: 'cut.xml' }));
    assert.equal(cut.ok, false);
    assert.match(
      cut.reason ?? '',
      /cut\.xml: malformed XML: truncated or unclosed elements: testsuites, testsuite, testcase/,
    );
  });

  it('max-failure-rate: 4 of 100 run tests failing passes at 0.05, 6 fail; skipped tests do not count', async () => {
    const suite = (failed: number) =>
      '<testsuite name="uat">' +
      Array.from({ length: 102 }, (_, i) =>
        i >= 100
          ? `<testcase classname="U" name="skip${i}"><skipped/></testcase>`
          : i < failed
            ? `<testcase classname="U" name="t${i}"><failure message="boom"/></testcase>`
            : `<testcase classname="U" name="t${i}"/>`,
      ).join('') +
      '</testsuite>';
    writeFileSync(join(dir, 'reports', 'uat-4.xml'), suite(4));
    writeFileSync(join(dir, 'reports', 'uat-6.xml'), suite(6));
    const four = await gateTests.run(ctx({ files: 'reports/uat-4.xml', 'max-failure-rate': 0.05 }));
    assert.equal(four.ok, true, four.reason);
    assert.equal(four.evidence?.['tests.failure-rate'], 0.04);
    const six = await gateTests.run(ctx({ files: 'reports/uat-6.xml', 'max-failure-rate': 0.05 }));
    assert.equal(six.ok, false);
    assert.equal(
      six.reason,
      'tests gate failed: 6 of 100 run tests failed or errored (6%), at most 5% allowed',
    );
    const both = await gateTests.run(
      ctx({ files: 'reports/uat-4.xml', 'max-failure-rate': 0.05, 'allow-failures': 3 }),
    );
    assert.equal(both.ok, false, 'an explicit allow-failures still holds beside the rate');
  });
});
