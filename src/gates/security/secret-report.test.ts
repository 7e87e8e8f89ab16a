import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSarif } from './sarif.ts';
import { readSecretReport, SecretReportError, secretsToSarif } from './secret-report.ts';
import { secretRules } from './secret-rules.ts';
import { fingerprintOf } from './secret-scan.ts';

const FIXTURES = new URL('../../../test/fixtures/supply-chain/secrets/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-secret-report-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('secret scanner reports', () => {
  it('reads a Gitleaks JSON report, fingerprinting the secret', () => {
    const report = readSecretReport(FIXTURES + 'gitleaks-json-simple.json');
    assert.deepEqual(report, {
      format: 'gitleaks-json',
      findings: [
        { rule: 'test-rule', file: 'auth.py', line: 1, column: 1, fingerprint: fingerprintOf('a secret') },
      ],
      suppressed: 0,
      redacted: 0,
    });
    assert.deepEqual(readSecretReport(FIXTURES + 'gitleaks-json-empty.json').findings, []);
  });

  it('fingerprints redacted findings by rule, file and line', () => {
    const report = readSecretReport(FIXTURES + 'gitleaks-json-baseline-redacted.json');
    assert.equal(report.redacted, 2);
    assert.deepEqual(
      report.findings.map((f) => `${f.rule} ${f.file}:${f.line}:${f.column}`),
      ['pypi-upload-token detect/detect_test.go:32:21', 'pypi-upload-token detect/detect_test.go:33:21'],
    );
    assert.notEqual(report.findings[0]?.fingerprint, report.findings[1]?.fingerprint);
  });

  it('reads a Gitleaks SARIF report, honouring suppressions', () => {
    const report = readSecretReport(FIXTURES + 'gitleaks-simple.sarif');
    assert.deepEqual(report.findings, [
      { rule: 'test-rule', file: 'auth.py', line: 1, column: 1, fingerprint: fingerprintOf('a secret') },
    ]);
    const sarif = JSON.parse(readFileSync(FIXTURES + 'gitleaks-simple.sarif', 'utf8'));
    sarif.runs[0].results[0].suppressions = [{ kind: 'external', status: 'accepted' }];
    writeFileSync(join(scratch, 'suppressed.sarif'), JSON.stringify(sarif));
    const suppressed = readSecretReport(join(scratch, 'suppressed.sarif'));
    assert.equal(suppressed.findings.length, 0);
    assert.equal(suppressed.suppressed, 1);
  });

  it('fails, naming the file, on a truncated, foreign or missing report', () => {
    const text = readFileSync(FIXTURES + 'gitleaks-json-simple.json', 'utf8');
    const cases: [string, RegExp][] = [
      [text.slice(0, 80), /cut\.json: not valid JSON, truncated or corrupt/],
      ['{"findings":[]}', /neither a Gitleaks JSON report \(an array\) nor a SARIF log/],
      ['[{"File":"a"}]', /\[0\]\.RuleID is missing/],
      ['{"version":"2.0.0","runs":[]}', /unsupported SARIF version "2\.0\.0"/],
    ];
    for (const [body, message] of cases) {
      writeFileSync(join(scratch, 'cut.json'), body);
      assert.throws(() => readSecretReport(join(scratch, 'cut.json')), SecretReportError);
      assert.throws(() => readSecretReport(join(scratch, 'cut.json')), message);
    }
    assert.throws(
      () => readSecretReport(join(scratch, 'missing.json')),
      /missing\.json: cannot read \(ENOENT\)/,
    );
  });

  it('writes SARIF without the secret that gate/sarif counts as secrets', () => {
    const findings = [
      { rule: 'github-token', file: 'src/a.ts', line: 3, column: 7, fingerprint: 'abcdef012345' },
    ];
    const text = JSON.stringify(secretsToSarif(findings, secretRules()));
    const read = parseSarif(text, 'secrets.sarif', { secretTools: ['runway'] });
    assert.deepEqual(
      read.map((f) => `${f.category} ${f.ruleId} ${f.location}`),
      ['secret github-token src/a.ts:3'],
    );
    assert.match(text, /GitHub token \(personal, OAuth, app or refresh\) \(fingerprint abcdef012345\)/);
  });
});
