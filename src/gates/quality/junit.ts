import { readReport } from '../report-file.ts';
import { children, decodeXml, has, numberAttr, parseXml, type XmlNode } from './xml.ts';

/** A test's name and how long it took. */
export interface TestTiming {
  name: string;
  seconds: number;
}

/** What one or more JUnit reports say; every test case lands in exactly one of the four outcomes. */
export interface TestSummary {
  tests: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  /** Tests that failed at least once and then passed on a rerun (Surefire `flakyFailure`/`flakyError`). */
  flaky: string[];
  /** The slowest test cases, slowest first. */
  slowest: TestTiming[];
}

const ARRAYS = ['testsuite', 'testcase'] as const;
const SLOWEST = 10;

/**
 * Parses JUnit XML text (a `<testsuites>` root or a single `<testsuite>`, nested suites allowed),
 * counting the `<testcase>` elements rather than trusting the suites' own counts.
 *
 * @example parseJUnit(readFileSync('TEST-foo.xml', 'utf8'), 'TEST-foo.xml').failed
 */
export function parseJUnit(text: string, file: string): TestSummary {
  const doc = parseXml(text, file, ARRAYS);
  const roots = [...children(doc, 'testsuites'), ...children(doc, 'testsuite')];
  if (roots.length === 0) {
    const found = Object.keys(doc).find((k) => !k.startsWith('?') && k !== '#text');
    throw new Error(
      `${file}: not a JUnit report, expected a <testsuites> or <testsuite> root${found ? ` but found <${found}>` : ''}`,
    );
  }
  const summary = empty();
  const timings: TestTiming[] = [];
  const visit = (suite: XmlNode): void => {
    for (const testcase of children(suite, 'testcase')) count(summary, timings, testcase);
    for (const nested of children(suite, 'testsuite')) visit(nested);
  };
  for (const root of roots) visit(root);
  summary.slowest = slowestOf(timings);
  return summary;
}

/** Reads and parses each file, then adds the results up. */
export function parseJUnitFiles(files: readonly string[]): TestSummary {
  return mergeSummaries(files.map((file) => parseJUnit(decodeXml(readReport(file), file), file)));
}

/** Adds summaries up, keeping the overall slowest test cases. */
export function mergeSummaries(summaries: readonly TestSummary[]): TestSummary {
  const total = empty();
  for (const s of summaries) {
    total.tests += s.tests;
    total.passed += s.passed;
    total.failed += s.failed;
    total.errored += s.errored;
    total.skipped += s.skipped;
    total.flaky.push(...s.flaky);
    total.slowest.push(...s.slowest);
  }
  total.slowest = slowestOf(total.slowest);
  return total;
}

function count(summary: TestSummary, timings: TestTiming[], testcase: XmlNode): void {
  const name = testName(testcase);
  summary.tests++;
  if (has(testcase, 'failure')) summary.failed++;
  else if (has(testcase, 'error')) summary.errored++;
  else if (has(testcase, 'skipped')) summary.skipped++;
  else summary.passed++;
  const finallyFailed = has(testcase, 'failure') || has(testcase, 'error');
  const passedOnRerun = has(testcase, 'rerunFailure') || has(testcase, 'rerunError');
  if (has(testcase, 'flakyFailure') || has(testcase, 'flakyError') || (passedOnRerun && !finallyFailed))
    summary.flaky.push(name);
  const seconds = numberAttr(testcase, 'time');
  if (seconds !== undefined && seconds > 0) timings.push({ name, seconds });
}

function testName(testcase: XmlNode): string {
  const name = typeof testcase['name'] === 'string' ? testcase['name'] : '(unnamed)';
  const classname = typeof testcase['classname'] === 'string' ? testcase['classname'] : '';
  return classname ? `${classname} › ${name}` : name;
}

function slowestOf(timings: readonly TestTiming[]): TestTiming[] {
  return [...timings].sort((a, b) => b.seconds - a.seconds || a.name.localeCompare(b.name)).slice(0, SLOWEST);
}

function empty(): TestSummary {
  return { tests: 0, passed: 0, failed: 0, errored: 0, skipped: 0, flaky: [], slowest: [] };
}
