/*
 * Policy tests, like `opa test` for Rego: each case is a gate input, a time and a window, and the
 * decision expected of it. Cases run through the release gate itself (window, in-flight rule,
 * policy) against a store of their own, so no real incident or override leaks into a test.
 */
import type { SourcePos } from '../../config/errors.ts';
import type { Store } from '../../store/store.ts';
import { evaluateGate } from '../release/evaluate-gate.ts';
import type { Calendar } from '../windows/calendar.ts';
import type { Decision, Policy } from './policy.ts';

/** What a case expects of the decision; `violations` and `warnings` are rule names, order-free. */
export interface Expectation {
  outcome: 'allow' | 'deny';
  strategy?: string;
  violations?: readonly string[];
  warnings?: readonly string[];
  /** Text some violation's message contains. */
  message?: string;
}

/** One policy test, ready to run. */
export interface PolicyTestCase {
  name: string;
  where: SourcePos;
  input: Record<string, unknown>;
  at: Date;
  calendar?: Calendar;
  inFlight: 'check' | 'ignore';
  expect: Expectation;
}

/** The cases of one file and the policy they test. */
export interface PolicyTestSuite {
  file: string;
  policy: Policy;
  cases: PolicyTestCase[];
}

/** How one case went: `mismatches` says what differed; `error` that it could not run. */
export interface PolicyCaseResult {
  name: string;
  where: SourcePos;
  ok: boolean;
  expect: Expectation;
  got?: Pick<Decision, 'outcome' | 'strategy' | 'violations' | 'warnings'>;
  mismatches: string[];
  error?: string;
}

/** How one file went. */
export interface PolicySuiteResult {
  file: string;
  policy: { name: string; version: string };
  cases: PolicyCaseResult[];
}

/** Every file's results and the totals. */
/** What `runway.yaml` says of the service, for cases whose input leaves it out. */
export interface ServiceFacts {
  readonly name?: string;
  readonly tier?: number;
}

export interface PolicyTestReport {
  ok: boolean;
  passed: number;
  failed: number;
  suites: PolicySuiteResult[];
}

/**
 * How a decision differs from what a case expects, one line per difference; empty when it matches.
 * @example compareDecision({ outcome: 'deny' }, decision) // ['outcome: expected deny, got allow']
 */
export function compareDecision(expect: Expectation, decision: Decision): string[] {
  const out: string[] = [];
  const list = (names: readonly string[]) => `[${names.join(', ')}]`;
  const sameNames = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && [...a].sort().every((n, i) => n === [...b].sort()[i]);
  if (decision.outcome !== expect.outcome)
    out.push(`outcome: expected ${expect.outcome}, got ${decision.outcome}`);
  if (expect.strategy !== undefined && decision.strategy !== expect.strategy)
    out.push(`strategy: expected ${expect.strategy}, got ${decision.strategy ?? 'none'}`);
  const violations = decision.violations.map((v) => v.rule);
  if (expect.violations !== undefined && !sameNames(expect.violations, violations))
    out.push(`violations: expected ${list(expect.violations)}, got ${list(violations)}`);
  const warnings = decision.warnings.map((w) => w.rule);
  if (expect.warnings !== undefined && !sameNames(expect.warnings, warnings))
    out.push(`warnings: expected ${list(expect.warnings)}, got ${list(warnings)}`);
  const { message } = expect;
  if (message !== undefined && !decision.violations.some((v) => v.message.includes(message)))
    out.push(
      `message: expected a violation message containing ${JSON.stringify(message)}, got ${
        decision.violations.length === 0
          ? 'no violations'
          : decision.violations.map((v) => JSON.stringify(v.message)).join(', ')
      }`,
    );
  return out;
}

/**
 * Runs every case through the release gate (`evaluateGate`) with `store` as its store, which
 * should be empty and of its own (e.g. `openStore(':memory:')`). Never throws for a case: a case
 * that cannot be evaluated fails with its error.
 */
export async function runPolicyTests(
  suites: readonly PolicyTestSuite[],
  store: Store,
  service: ServiceFacts = {},
): Promise<PolicyTestReport> {
  const results: PolicySuiteResult[] = [];
  for (const suite of suites) {
    const cases: PolicyCaseResult[] = [];
    for (const c of suite.cases) {
      const base = { name: c.name, where: c.where, expect: c.expect };
      // the gate records the environment as text; any other value stays in the input, where it denies
      const environment = c.input['environment'];
      try {
        // as in `gate evaluate`: the case's input wins, then the pipeline's service and tier
        const tier = typeof c.input['tier'] === 'number' ? c.input['tier'] : service.tier;
        const name = typeof c.input['service'] === 'string' ? c.input['service'] : service.name;
        const { decision } = await evaluateGate(store, {
          ...(name !== undefined ? { service: name } : {}),
          ...(tier !== undefined ? { tier } : {}),
          environment: (typeof environment === 'string' ? environment : undefined) as string,
          evidence: {},
          explicit: c.input,
          policy: suite.policy,
          at: c.at,
          ...(c.calendar ? { calendar: c.calendar } : {}),
          inFlight: c.inFlight,
        });
        const mismatches = compareDecision(c.expect, decision);
        cases.push({
          ...base,
          ok: mismatches.length === 0,
          got: {
            outcome: decision.outcome,
            ...(decision.strategy !== undefined ? { strategy: decision.strategy } : {}),
            violations: decision.violations,
            warnings: decision.warnings,
          },
          mismatches,
        });
      } catch (err) {
        cases.push({ ...base, ok: false, mismatches: [], error: (err as Error).message });
      }
    }
    results.push({
      file: suite.file,
      policy: { name: suite.policy.name, version: suite.policy.version },
      cases,
    });
  }
  const all = results.flatMap((s) => s.cases);
  const failed = all.filter((c) => !c.ok).length;
  return { ok: failed === 0, passed: all.length - failed, failed, suites: results };
}
