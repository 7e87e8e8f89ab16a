import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gitleaksRules, gitleaksSource } from './gitleaks-rules.ts';
import { PROVIDER_SAMPLES } from './provider-samples.fixture.ts';
import { fake } from './secret-samples.fixture.ts';
import { secretRules } from './secret-rules.ts';
import { fingerprintOf, isAllowed, scanDirectory, scanText } from './secret-scan.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'runway-provider-rules-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("Gitleaks' default rules in scan/secrets", () => {
  it('runs Gitleaks rules for some 220 providers, with attribution', () => {
    assert.ok(secretRules().length >= 220, `${secretRules().length} rules`);
    assert.match(
      gitleaksSource(),
      /^https:\/\/github\.com\/gitleaks\/gitleaks\/blob\/[0-9a-f]{40}\/config\/gitleaks\.toml$/,
    );
  });

  it('finds every planted credential of 63 providers, by a provider rule, exactly the secret, never showing it', () => {
    assert.ok(new Set(PROVIDER_SAMPLES.map((s) => s.provider)).size >= 50);
    const text = PROVIDER_SAMPLES.map((s) => s.line(s.secret)).join('\n');
    writeFileSync(join(scratch, 'leaky.env'), text);
    const scan = scanDirectory(scratch);
    const findings = scan.findings;
    PROVIDER_SAMPLES.forEach((sample, i) => {
      const line = sample.line(sample.secret);
      const found = findings.find((f) => f.line === i + 1);
      assert.ok(found, `${sample.provider}: not found`);
      assert.equal(found.rule === 'generic-secret' ? sample.provider : '', '', 'found by its provider rule');
      assert.equal(found.fingerprint, fingerprintOf(sample.secret), `${sample.provider}: ${found.rule}`);
      assert.equal(found.column, line.indexOf(sample.secret) + 1, sample.provider);
    });
    assert.equal(findings.length, PROVIDER_SAMPLES.length);
    const shown = JSON.stringify(findings);
    for (const sample of PROVIDER_SAMPLES) assert.ok(!shown.includes(sample.secret), sample.provider);
  });

  it('keeps Gitleaks allowlists: placeholders, stopwords and its example values are not secrets', () => {
    const text = [
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'OPENAI_API_KEY=${{ secrets.OPENAI_API_KEY }}',
      'stripe_key = "sk_test_' + 'a'.repeat(24) + '"',
    ].join('\n');
    assert.deepEqual(scanText(text, 'README.md'), []);
  });

  it("applies a rule's path allowlist and path filter", () => {
    const rules = gitleaksRules().filter((r) => r.id === 'github-pat' || r.id === 'hashicorp-tf-password');
    const pat = PROVIDER_SAMPLES.find((p) => p.provider === 'GitHub PAT')!;
    const line = pat.line(pat.secret);
    assert.equal(scanText(line, 'src/client.ts', rules).length, 1);
    assert.equal(scanText(line, 'vendor/@octokit/auth-token/README.md', rules).length, 0);
    const tf = `administrator_login_password = "${fake('tf', 16)}"`;
    assert.deepEqual(
      scanText(tf, 'main.tf', rules).map((f) => f.rule),
      ['hashicorp-tf-password'],
    );
    assert.deepEqual(scanText(tf, 'main.go', rules), []);
  });

  it('finds nothing in a clean tree of this repository', () => {
    // upstream test data and the deliberate fakes of tests that check masking
    const allow = [
      'test/fixtures/**',
      'test/fixtures/**/.*',
      'src/agent/supervisor/instance.test.ts',
      'src/analysis/providers/prometheus.test.ts',
      'src/engine/masker.test.ts',
      'src/gates/supply-chain/verify-release.test.ts',
      'test/e2e/secrets.test.ts',
      'test/e2e/github-actions.test.ts',
      'test/e2e/private-files.test.ts',
    ];
    const scan = scanDirectory(REPO);
    assert.ok(scan.scanned > 300, `${scan.scanned} files`);
    const found = scan.findings.filter((f) => !isAllowed(f, allow));
    assert.deepEqual(
      found.map((f) => `${f.rule} ${f.file}:${f.line}`),
      [],
    );
  });
});
