import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { isSuppressed, parseSarif, readSarif, SarifError, SEVERITIES, severityFromScore } from './sarif.ts';
import { counts } from './thresholds.ts';

const FIXTURES = new URL('../../../test/fixtures/sarif/', import.meta.url);
const fixture = (name: string) => new URL(name, FIXTURES).pathname;

/** A one-run SARIF 2.1.0 log with the given results and rules. */
function log(results: unknown[], rules: unknown[] = [], name = 'tool'): string {
  return JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name, rules } }, results }] });
}

describe('reading the SARIF fixtures', () => {
  it('trivy: 4 results, all medium from the rules security-severity 5.3', () => {
    const findings = readSarif(fixture('trivy-alpine-310-image.sarif'));
    assert.equal(findings.length, 4);
    assert.ok(findings.every((f) => f.tool === 'Trivy' && f.source === 'security-severity'));
    assert.deepEqual(counts(findings), { critical: 0, high: 0, medium: 4, low: 0, secrets: 0 });
    assert.equal(findings[0]?.location, 'testdata/fixtures/images/alpine-310.tar.gz:1');
  });

  it('gitleaks: one secret with a dangling rule id, critical by default, no snippet kept', () => {
    const findings = readSarif(fixture('gitleaks-simple.sarif'));
    assert.equal(findings.length, 1);
    assert.deepEqual(
      { ...findings[0], file: undefined },
      {
        file: undefined,
        tool: 'gitleaks',
        ruleId: 'test-rule',
        severity: 'critical',
        category: 'secret',
        location: 'auth.py:1',
        source: 'tool-severity',
        suppressed: false,
      },
    );
    assert.deepEqual(counts(findings), { critical: 0, high: 0, medium: 0, low: 0, secrets: 1 });
    assert.ok(!JSON.stringify(findings).includes('a secret'));
  });

  it('gitleaks with an empty runs array: no findings', () => {
    assert.deepEqual(readSarif(fixture('gitleaks-empty-runs.sarif')), []);
  });

  it('binskim: strips the BOM, then rejects the pre-release 2.0.0 format naming the file', () => {
    const file = fixture('binskim-1.5-prerelease-2.0.0-with-bom.sarif');
    assert.equal(readFileSync(file)[0], 0xef);
    assert.throws(
      () => readSarif(file),
      (err: Error) =>
        err instanceof SarifError &&
        err.message === `${file}: unsupported SARIF version "2.0.0", expected "2.1.0"`,
    );
  });

  it('reads a BOM-prefixed 2.1.0 log', () => {
    const text = `\uFEFF${readFileSync(fixture('gitleaks-simple.sarif'), 'utf8')}`;
    assert.equal(parseSarif(text, 'bom.sarif').length, 1);
  });

  it('patternmatcher: the accepted external suppression hides one of five results', () => {
    const findings = readSarif(fixture('patternmatcher-secrets-with-external-suppression.sarif'));
    assert.equal(findings.length, 5);
    assert.deepEqual(
      findings.map((f) => f.suppressed),
      [true, false, false, false, false],
    );
    assert.deepEqual(counts(findings), { critical: 0, high: 3, medium: 1, low: 0, secrets: 0 });
  });

  it('patternmatcher as a configured secret tool: four unsuppressed secrets', () => {
    const findings = readSarif(fixture('patternmatcher-secrets-with-external-suppression.sarif'), {
      secretTools: ['microsoft.codeanalysis.sarif.patternmatcher'],
    });
    assert.deepEqual(counts(findings), { critical: 0, high: 0, medium: 0, low: 0, secrets: 4 });
  });

  it('multitool baseline: 23 new, 7 unchanged, 1 absent; absent never counts', () => {
    const findings = readSarif(fixture('sarif-multitool-baseline-new-unchanged-absent.sarif'));
    assert.equal(findings.length, 31);
    const states = (s: string) => findings.filter((f) => f.baselineState === s).length;
    assert.deepEqual([states('new'), states('unchanged'), states('absent')], [23, 7, 1]);
    assert.deepEqual(counts(findings), { critical: 0, high: 23, medium: 2, low: 5, secrets: 0 });
    assert.deepEqual(counts(findings, true), { critical: 0, high: 23, medium: 0, low: 0, secrets: 0 });
  });

  it('eslint 9: errors are high, warnings medium, the inSource suppression hides one error', () => {
    const findings = readSarif(fixture('eslint-9-cart.sarif'));
    assert.equal(findings.length, 10);
    assert.ok(findings.every((f) => f.tool === 'ESLint' && f.source === 'level'));
    assert.deepEqual(counts(findings), { critical: 0, high: 6, medium: 3, low: 0, secrets: 0 });
    const suppressed = findings.filter((f) => f.suppressed);
    assert.deepEqual(
      suppressed.map((f) => [f.ruleId, f.severity, f.location.replace(/^file:\/\/.*\//, '')]),
      [['@typescript-eslint/no-explicit-any', 'high', 'cart.ts:15']],
    );
    assert.match(findings[0]?.location ?? '', /^file:\/\/\/.*\/eslint-sample\/cart\.ts:4$/);
  });

  it('eslint 9: the unused-directive warning is a notification, not a finding', () => {
    const text = readFileSync(fixture('eslint-9-cart.sarif'), 'utf8');
    assert.match(text, /"toolConfigurationNotifications"/);
    assert.ok(!readSarif(fixture('eslint-9-cart.sarif')).some((f) => f.location.endsWith(':29')));
  });

  it('eslint 9: a parse error is an incomplete scan, never zero findings', () => {
    const file = fixture('eslint-9-parse-error.sarif');
    assert.throws(
      () => readSarif(file),
      (err: Error) =>
        err instanceof SarifError &&
        err.kind === 'incomplete' &&
        err.message.startsWith(
          `${file}: runs[0] (ESLint) did not complete: executionSuccessful is false; `,
        ) &&
        /1 error notification\(s\): ESL0999 at file:\/\/\/.*\/broken\.ts:3$/.test(err.message),
    );
  });

  it('semgrep: rule default level error is high, the taint rule warning is medium', () => {
    const withSource = readSarif(fixture('semgrep-with-source.sarif'));
    assert.deepEqual(
      withSource.map((f) => [f.tool, f.ruleId, f.severity, f.source, f.location]),
      [
        ['Semgrep OSS', 'rules.javascript-basic-eqeq-bad', 'high', 'level', 'targets/basic/stupid.js:3'],
        ['Semgrep OSS', 'rules.eqeq-is-bad', 'high', 'level', 'targets/basic/stupid.py:3'],
      ],
    );
    assert.deepEqual(counts(readSarif(fixture('semgrep-rule-board.sarif'))), {
      critical: 0,
      high: 3,
      medium: 0,
      low: 0,
      secrets: 0,
    });
    const taint = readSarif(fixture('semgrep-dataflow-traces.sarif'));
    assert.deepEqual(
      taint.map((f) => [f.ruleId, f.severity, f.location]),
      [['rules.classic', 'medium', 'targets/taint/taint.py:9']],
    );
  });

  it('semgrep: a nosemgrep comment is an inSource suppression and does not count', () => {
    const findings = readSarif(fixture('semgrep-include-nosemgrep.sarif'));
    assert.deepEqual(
      findings.map((f) => [f.location, f.suppressed]),
      [
        ['targets/basic/regex-nosemgrep.txt:1', true],
        ['targets/basic/regex-nosemgrep.txt:3', false],
      ],
    );
    assert.deepEqual(counts(findings), { critical: 0, high: 1, medium: 0, low: 0, secrets: 0 });
    const asSecrets = readSarif(fixture('semgrep-include-nosemgrep.sarif'), { secretTools: ['semgrep oss'] });
    assert.deepEqual(counts(asSecrets), { critical: 0, high: 0, medium: 0, low: 0, secrets: 1 });
  });

  it('semgrep: an error notification (file not found) is an incomplete scan', () => {
    const file = fixture('semgrep-when-errors.sarif');
    assert.throws(
      () => readSarif(file),
      (err: Error) =>
        err instanceof SarifError &&
        err.kind === 'incomplete' &&
        err.message ===
          `${file}: runs[0] (Semgrep OSS) did not complete: 1 error notification(s): SemgrepError`,
    );
  });
});

describe('incomplete scans', () => {
  const run = (invocations: unknown[], results: unknown[] = []) =>
    JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'T' } }, invocations, results }] });
  const incomplete = (text: string) => {
    try {
      parseSarif(text, 'scan.sarif');
    } catch (err) {
      if (err instanceof SarifError && err.kind === 'incomplete') return err.message;
      throw err;
    }
    return undefined;
  };

  it('a successful invocation with warnings is complete', () => {
    const warning = { level: 'warning', descriptor: { id: 'W' } };
    assert.equal(
      incomplete(run([{ executionSuccessful: true, toolExecutionNotifications: [warning] }])),
      undefined,
    );
    assert.equal(
      incomplete(run([{ toolConfigurationNotifications: [{ descriptor: { id: 'N' } }] }])),
      undefined,
    );
  });

  it('executionSuccessful false is incomplete even with results', () => {
    assert.equal(
      incomplete(run([{ executionSuccessful: false }], [{ level: 'note' }])),
      'scan.sarif: runs[0] (T) did not complete: executionSuccessful is false',
    );
  });

  it('names at most three error notifications by id and location, never their text', () => {
    const error = (id: string, uri?: string) => ({
      level: 'error',
      descriptor: { id },
      message: { text: 'token=hunter2' },
      ...(uri
        ? { locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: 2 } } }] }
        : {}),
    });
    const message = incomplete(
      run([
        { executionSuccessful: true, toolExecutionNotifications: [error('A', 'a.py'), error('B')] },
        { toolConfigurationNotifications: [error('C'), error('D'), {}] },
      ]),
    );
    assert.equal(
      message,
      'scan.sarif: runs[0] (T) did not complete: 4 error notification(s): A at a.py:2, B, C, and 1 more',
    );
  });
});

describe('severity', () => {
  it('maps security-severity like GitHub, at the edges', () => {
    const cases: [unknown, string | undefined][] = [
      ['10', 'critical'],
      [9, 'critical'],
      ['8.9', 'high'],
      [7, 'high'],
      [6.9, 'medium'],
      ['4.0', 'medium'],
      [3.9, 'low'],
      [0.1, 'low'],
      [0, 'none'],
      ['', undefined],
      ['high', undefined],
      [11, undefined],
      [-1, undefined],
      [null, undefined],
    ];
    for (const [score, severity] of cases) assert.equal(severityFromScore(score), severity, String(score));
  });

  it('never ranks a higher score less severe', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const rank = (s: number) => SEVERITIES.indexOf(severityFromScore(s) ?? 'none');
          assert.ok(rank(hi) <= rank(lo));
        },
      ),
    );
  });

  it('prefers the result score over the rule score over the level', () => {
    const rules = [
      { id: 'R', properties: { 'security-severity': '7.5' }, defaultConfiguration: { level: 'note' } },
    ];
    const [fromResult, fromRule, fromLevel] = parseSarif(
      log(
        [
          { ruleId: 'R', level: 'note', properties: { 'security-severity': '9.8' } },
          { ruleId: 'R', level: 'note' },
          { ruleId: 'X', level: 'note' },
        ],
        rules,
      ),
      'f.sarif',
    );
    assert.equal(fromResult?.severity, 'critical');
    assert.equal(fromRule?.severity, 'high');
    assert.equal(fromLevel?.severity, 'low');
  });

  it('uses level error/warning/note, then the rule default level, then the tool severity, then medium', () => {
    const rules = [{ id: 'D', defaultConfiguration: { level: 'error' } }];
    const text = log(
      [{ level: 'error' }, { level: 'warning' }, { level: 'note' }, { ruleId: 'D' }, {}],
      rules,
    );
    assert.deepEqual(
      parseSarif(text, 'f.sarif').map((f) => f.severity),
      ['high', 'medium', 'low', 'high', 'medium'],
    );
    assert.equal(parseSarif(text, 'f.sarif', { toolSeverity: { TOOL: 'low' } })[4]?.severity, 'low');
  });

  it('does not count level none or results whose kind is not fail', () => {
    const findings = parseSarif(
      log([{ level: 'none' }, { kind: 'pass', level: 'error' }, { kind: 'fail' }]),
      'f',
    );
    assert.deepEqual(counts(findings), { critical: 0, high: 0, medium: 1, low: 0, secrets: 0 });
  });
});

describe('suppressions', () => {
  it('suppress only when accepted (or without status) and none under review or rejected', () => {
    assert.equal(isSuppressed(undefined), false);
    assert.equal(isSuppressed([]), false);
    assert.equal(isSuppressed([{ kind: 'external', status: 'accepted' }]), true);
    assert.equal(isSuppressed([{ kind: 'inSource' }]), true);
    assert.equal(isSuppressed([{ kind: 'external', status: 'underReview' }]), false);
    assert.equal(isSuppressed([{ kind: 'external', status: 'rejected' }]), false);
    assert.equal(isSuppressed([{ status: 'accepted' }, { status: 'underReview' }]), false);
  });
});

describe('malformed SARIF', () => {
  const trivy = readFileSync(fixture('trivy-alpine-310-image.sarif'), 'utf8');
  const rejects = (text: string, message: RegExp) =>
    assert.throws(
      () => parseSarif(text, 'scan.sarif'),
      (err: Error) => err instanceof SarifError && message.test(err.message),
    );

  it('a truncated file is an error naming the file', () => {
    rejects(trivy.slice(0, trivy.length / 2), /^scan\.sarif: not valid JSON, truncated or corrupt/);
    rejects('', /^scan\.sarif: not valid JSON/);
  });

  it('a wrong shape is an error naming the file and what is wrong', () => {
    rejects('[]', /^scan\.sarif: not a SARIF log/);
    rejects('{"version":"2.1.0"}', /"runs" is missing/);
    rejects('{"version":"2.1.0","runs":[{}]}', /runs\[0\]\.tool\.driver\.name is missing/);
    rejects(
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":{}}]}',
      /results is not an array/,
    );
    rejects(
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[1]}]}',
      /results\[0\] is not an object/,
    );
  });

  it('truncated or reshaped ESLint and Semgrep logs are errors naming the file', () => {
    for (const name of ['eslint-9-cart.sarif', 'semgrep-with-source.sarif']) {
      const text = readFileSync(fixture(name), 'utf8');
      rejects(
        text.slice(0, Math.floor(text.length * 0.7)),
        /^scan\.sarif: not valid JSON, truncated or corrupt/,
      );
      const reshaped = JSON.parse(text) as { runs: { results: unknown }[] };
      const first = reshaped.runs[0];
      if (first) first.results = { [name]: 'not an array' };
      rejects(JSON.stringify(reshaped), /^scan\.sarif: runs\[0\]\.results is not an array$/);
    }
  });

  it('an unreadable file is an error naming it', () => {
    assert.throws(
      () => readSarif('/nonexistent/x.sarif'),
      /^SarifError: \/nonexistent\/x\.sarif: cannot read/,
    );
  });
});
