import { globSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseJUnitFiles, type TestSummary } from '../../gates/quality/junit.ts';
import type { Action, ActionResult } from '../action.ts';

const SHOWN_SLOWEST = 5;

/**
 * `uses: gate/tests` — reads JUnit XML reports, records the counts as evidence and fails the step on
 * more failures than `allow-failures` or a larger share than `max-failure-rate`, on flaky tests (unless `fail-on-flaky: false`), on a report
 * that cannot be read, or when no report or no test case was found.
 */
export const gateTests: Action = {
  name: 'gate/tests',
  description: 'gate on JUnit XML test reports: failures, errors and flaky tests',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['files'],
    properties: {
      files: {
        description: 'JUnit XML files or globs, relative to the working directory',
        oneOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        ],
      },
      'allow-failures': { type: 'integer', minimum: 0, description: 'failed or errored tests tolerated (0)' },
      'max-failure-rate': {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description:
          'share of run (not skipped) tests that may fail or error, e.g. 0.05; allow-failures then applies only when given',
      },
      'fail-on-flaky': { type: 'boolean', description: 'fail when a test passed only on a rerun (true)' },
    },
  },
  async run(ctx) {
    const patterns = ([] as string[]).concat(ctx.inputs['files'] as string | string[]);
    const maxRate = ctx.inputs['max-failure-rate'] as number | undefined;
    const allowFailures =
      (ctx.inputs['allow-failures'] as number | undefined) ?? (maxRate === undefined ? 0 : Infinity);
    const failOnFlaky = (ctx.inputs['fail-on-flaky'] as boolean | undefined) ?? true;

    // find the reports
    const files = [
      ...new Set(
        globSync(patterns, { cwd: ctx.workingDirectory }).map((f) =>
          isAbsolute(f) ? f : resolve(ctx.workingDirectory, f),
        ),
      ),
    ].sort();
    if (files.length === 0)
      return { ok: false, reason: `no JUnit report matched ${patterns.map((p) => `"${p}"`).join(', ')}` };
    for (const file of files) ctx.log(`report ${relative(ctx.workingDirectory, file)}`);

    // parse and add up
    let summary: TestSummary;
    try {
      summary = parseJUnitFiles(files);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const failures = summary.failed + summary.errored;
    ctx.log(
      `${summary.tests} tests: ${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored, ${summary.skipped} skipped, ${summary.flaky.length} flaky`,
    );
    for (const name of summary.flaky) ctx.log(`flaky: ${name}`);
    if (summary.slowest.length > 0) ctx.log(`slowest:`);
    for (const t of summary.slowest.slice(0, SHOWN_SLOWEST)) ctx.log(`  ${t.seconds.toFixed(3)}s  ${t.name}`);

    // decide
    const reasons: string[] = [];
    if (summary.tests === 0) reasons.push(`no test cases in ${files.length} report(s)`);
    if (failures > allowFailures)
      reasons.push(
        `${failures} failed or errored test(s), ${allowFailures === 0 ? 'none allowed' : `at most ${allowFailures} allowed`}`,
      );
    const ran = summary.tests - summary.skipped;
    const rate = ran === 0 ? 0 : failures / ran;
    if (maxRate !== undefined && rate > maxRate)
      reasons.push(
        `${failures} of ${ran} run tests failed or errored (${percent(rate)}), at most ${percent(maxRate)} allowed`,
      );
    if (failOnFlaky && summary.flaky.length > 0)
      reasons.push(`${summary.flaky.length} flaky test(s): ${summary.flaky.slice(0, 3).join('; ')}`);
    const result: ActionResult = {
      ok: reasons.length === 0,
      evidence: {
        'tests.total': summary.tests,
        'tests.passed': summary.passed,
        'tests.failed': failures,
        'tests.errored': summary.errored,
        'tests.skipped': summary.skipped,
        'tests.flaky': summary.flaky.length,
      },
    };
    if (maxRate !== undefined) result.evidence = { ...result.evidence, 'tests.failure-rate': rate };
    if (reasons.length > 0) result.reason = `tests gate failed: ${reasons.join('; ')}`;
    return result;
  },
};

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(3))}%`;
}
