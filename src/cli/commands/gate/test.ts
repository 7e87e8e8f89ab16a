import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../../../config/errors.ts';
import { systemClock } from '../../../engine/clock.ts';
import { loadPolicyTestFile, policyTestFiles } from '../../../gates/policy/policy-test-file.ts';
import { runPolicyTests } from '../../../gates/policy/policy-tests.ts';
import type {
  PolicyCaseResult,
  PolicyTestReport,
  PolicyTestSuite,
} from '../../../gates/policy/policy-tests.ts';
import { policyFor } from '../../../gates/release/policies.ts';
import { openStore } from '../../../store/open.ts';
import { EXIT, UsageError } from '../../errors.ts';
import { paint, type Io } from '../../io.ts';
import { FILE_FLAG, JSON_FLAG, parse } from '../../setup.ts';
import { gateContext, policyFlag } from './context.ts';

const USAGE = 'runway gate test [FILE|DIR…] [--policy default|policy.yaml] [-f runway.yaml] [--json]';

/** Where `gate test` looks for policy tests when no path is given, beside runway.yaml. */
export const DEFAULT_POLICY_TEST_DIR = 'policy-tests';

/**
 * `runway gate test`: runs policy test files through the release gate and reports each case.
 * Exit 0 when every case passes, 1 when one fails, 2 when a file is malformed (nothing runs then).
 */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...FILE_FLAG,
    ...JSON_FLAG,
    policy: { type: 'string' },
  });
  const { calendars, root, pipeline } = gateContext(io, values.file);
  const paths = positionals.length > 0 ? positionals : [join(root, DEFAULT_POLICY_TEST_DIR)];
  if (positionals.length === 0 && !existsSync(paths[0] as string)) {
    throw new UsageError(
      `no ${DEFAULT_POLICY_TEST_DIR}/ beside runway.yaml — name policy test files or directories — usage: ${USAGE}`,
    );
  }
  const forced = values.policy === undefined ? undefined : policyFlag(values.policy, root);

  // every file is read and checked before any case runs; the problems of all files are told at once
  const context = {
    calendars,
    policyFor: (ref: string, dir: string) =>
      forced ?? policyFor(ref === 'default' ? 'default' : { file: ref }, dir),
    now: systemClock.now(),
    cwd: io.cwd,
  };
  const suites: PolicyTestSuite[] = [];
  const issues: ConfigIssue[] = [];
  for (const file of policyTestFiles(paths, io.cwd)) {
    try {
      suites.push(loadPolicyTestFile(file, context));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const store = await openStore(':memory:');
  let report: PolicyTestReport;
  try {
    report = await runPolicyTests(suites, store, {
      ...(pipeline?.service?.name !== undefined ? { name: pipeline.service.name } : {}),
      ...(pipeline?.service?.tier !== undefined ? { tier: pipeline.service.tier } : {}),
    });
  } finally {
    await store.close();
  }
  if (values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(io, report);
  return report.ok ? EXIT.ok : EXIT.failed;
}

function printReport(io: Io, report: PolicyTestReport): void {
  for (const suite of report.suites) {
    io.out(`${paint(io, 'bold', suite.file)} ${paint(io, 'dim', `(policy ${suite.policy.name})`)}\n`);
    for (const c of suite.cases) {
      if (c.ok) io.out(`  ${paint(io, 'green', '✔')} ${c.name}\n`);
      else printFailure(io, c);
    }
  }
  const total = report.passed + report.failed;
  const files = `${report.suites.length} file${report.suites.length === 1 ? '' : 's'}`;
  io.out(
    report.ok
      ? paint(io, 'green', `\n${total} passed (${files})\n`)
      : paint(io, 'red', `\n${report.failed} failed, ${report.passed} passed (${files})\n`),
  );
}

function printFailure(io: Io, c: PolicyCaseResult): void {
  const where = `${c.where.file}:${c.where.line}`;
  io.out(`  ${paint(io, 'red', '✖')} ${c.name} ${paint(io, 'dim', where)}\n`);
  if (c.error !== undefined) {
    io.out(`      error: ${c.error}\n`);
    return;
  }
  for (const m of c.mismatches) io.out(`      ${m}\n`);
  const got = c.got;
  if (!got) return;
  io.out(
    `      got ${got.outcome}${got.strategy ? `, strategy ${got.strategy}` : ''}${got.violations.length + got.warnings.length > 0 ? ':' : ''}\n`,
  );
  for (const v of got.violations) io.out(`        ${paint(io, 'red', v.rule)}: ${v.message}\n`);
  for (const w of got.warnings) io.out(`        ${paint(io, 'yellow', w.rule)}: ${w.message} (warning)\n`);
}
