/* What `gate-tests` does when its step runs; loaded on the step's first run (see gate-tests.ts). */
import { globSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseJUnitFiles, type TestSummary } from '../../gates/quality/junit.ts';
import type { ActionContext, ActionResult } from '../action.ts';

const SHOWN_SLOWEST = 5;

export async function run(ctx: ActionContext): Promise<ActionResult> {
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
}

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(3))}%`;
}
