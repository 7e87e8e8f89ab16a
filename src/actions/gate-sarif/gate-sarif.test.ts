import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ActionContext, ActionResult } from '../action.ts';
import { gateSarif } from './gate-sarif.ts';

const FIXTURES = new URL('../../../test/fixtures/sarif/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-gate-sarif-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the action with `inputs` in `dir`; only the fields the action reads are filled. */
async function gate(
  inputs: Record<string, unknown>,
  dir = FIXTURES,
): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = { inputs, workingDirectory: dir, root: dir, log: (l: string) => lines.push(l) };
  const result = await gateSarif.run(ctx as unknown as ActionContext);
  return { ...result, log: lines.join('\n') };
}

/** Writes a SARIF log with `high` error-level and `critical` 9.8-scored results into the scratch dir. */
function synthetic(name: string, high: number, critical = 0): string {
  const results = [
    ...Array.from({ length: high }, (_, i) => ({ ruleId: `H${i}`, level: 'error' })),
    ...Array.from({ length: critical }, () => ({ ruleId: 'C', properties: { 'security-severity': '9.8' } })),
  ];
  writeFileSync(
    join(scratch, name),
    JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'scanner' } }, results }] }),
  );
  return name;
}

describe('gate/sarif', () => {
  it('passes trivy in production: four medium findings, evidence per severity', async () => {
    const r = await gate({ files: 'trivy-alpine-310-image.sarif' });
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(r.evidence, {
      'sarif.critical': 0,
      'sarif.high': 0,
      'sarif.medium': 4,
      'sarif.low': 0,
      'secrets.found': 0,
    });
    assert.match(r.log, /^Trivy +0 +0 +4 +0 +0 +0 +0$/m);
    assert.match(
      r.log,
      /medium +CVE-2019-1549 {2}testdata\/fixtures\/images\/alpine-310\.tar\.gz:1 {2}\(Trivy/,
    );
  });

  it('counts a valid log with 130,000 results instead of overflowing the stack', async () => {
    const r = await gate({ files: synthetic('huge.sarif', 130_000) }, scratch);
    assert.equal(r.ok, false);
    assert.equal(r.evidence?.['sarif.high'], 130_000);
    assert.equal(r.reason, 'security gate failed for production: high 130000 exceeds the limit of 0');
  });

  it('a file that is not JSON fails the gate without quoting its content (files: /etc/passwd)', async () => {
    writeFileSync(join(scratch, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    const r = await gate({ files: 'passwd' }, scratch);
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /not valid JSON/);
    assert.doesNotMatch(`${r.reason} ${r.log}`, /root:x|bin\/bash/);
  });

  it('a 100 MB report is refused with the limit named, before it is read', async () => {
    const file = join(scratch, 'huge-100mb.sarif');
    writeFileSync(file, '');
    truncateSync(file, 100 * 1024 * 1024);
    const r = await gate({ files: 'huge-100mb.sarif' }, scratch);
    assert.equal(r.ok, false);
    assert.match(
      r.reason ?? '',
      /the report is 104857600 bytes — over the limit of 16777216 bytes \(16 MiB\)/,
    );
  });

  it('fails on the gitleaks secret and never logs its text', async () => {
    const r = await gate({ files: ['gitleaks-simple.sarif'], environment: 'development' });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'security gate failed for development: secrets 1 exceeds the limit of 0');
    assert.equal(r.evidence?.['secrets.found'], 1);
    assert.match(r.log, /secret\/critical +test-rule {2}auth\.py:1 {2}\(gitleaks/);
    assert.ok(!r.log.includes('a secret'), r.log);
    assert.ok(!JSON.stringify(r).includes('a secret'));
  });

  it('never logs the snippets of a configured secret tool', async () => {
    const r = await gate({
      files: 'patternmatcher-*.sarif',
      'secret-tools': ['Microsoft.CodeAnalysis.Sarif.PatternMatcher'],
    });
    assert.equal(r.reason, 'security gate failed for production: secrets 4 exceeds the limit of 0');
    assert.ok(!/BEGIN RSA|MIIEog/.test(r.log), r.log);
  });

  it('passes an empty runs array and counts the accepted suppression as suppressed', async () => {
    assert.equal((await gate({ files: 'gitleaks-empty-runs.sarif' })).ok, true);
    const r = await gate({ files: 'patternmatcher-*.sarif', environment: 'development' });
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(r.evidence, {
      'sarif.critical': 0,
      'sarif.high': 3,
      'sarif.medium': 1,
      'sarif.low': 0,
      'secrets.found': 0,
    });
    assert.match(r.log, /^Microsoft\.CodeAnalysis\.Sarif\.PatternMatcher +0 +3 +1 +0 +0 +1 +0$/m);
  });

  it('combines several files and tools in one table', async () => {
    const r = await gate({ files: ['trivy-*.sarif', 'gitleaks-simple.sarif'], environment: 'staging' });
    assert.equal(r.reason, 'security gate failed for staging: secrets 1 exceeds the limit of 0');
    assert.match(r.log, /^2 SARIF file\(s\), 5 result\(s\), environment staging$/m);
    assert.match(r.log, /^total +0 +0 +4 +0 +1$/m);
  });

  it('allows 5 high in staging and fails at 6, naming count and limit', async () => {
    assert.equal(
      (await gate({ files: synthetic('five.sarif', 5), environment: 'staging' }, scratch)).ok,
      true,
    );
    const r = await gate({ files: synthetic('six.sarif', 6), environment: 'staging' }, scratch);
    assert.equal(r.reason, 'security gate failed for staging: high 6 exceeds the limit of 5');
    assert.equal(r.evidence?.['sarif.high'], 6);
  });

  it('allows 10 high in development, fails at 11, and production fails at 1', async () => {
    assert.equal(
      (await gate({ files: synthetic('ten.sarif', 10), environment: 'development' }, scratch)).ok,
      true,
    );
    assert.equal(
      (await gate({ files: synthetic('eleven.sarif', 11), environment: 'development' }, scratch)).ok,
      false,
    );
    const r = await gate({ files: synthetic('one.sarif', 1) }, scratch);
    assert.equal(r.reason, 'security gate failed for production: high 1 exceeds the limit of 0');
  });

  it('fails one critical in every environment, and limits override the defaults', async () => {
    const file = synthetic('critical.sarif', 0, 1);
    for (const environment of ['production', 'staging', 'development'])
      assert.match(
        (await gate({ files: file, environment }, scratch)).reason ?? '',
        /critical 1 exceeds the limit of 0/,
      );
    assert.equal((await gate({ files: file, limits: { critical: 1 } }, scratch)).ok, true);
    const r = await gate(
      { files: synthetic('three.sarif', 3), environment: 'staging', limits: { high: 2, medium: 0 } },
      scratch,
    );
    assert.equal(r.reason, 'security gate failed for staging: high 3 exceeds the limit of 2');
  });

  it('counts only new results in new-only mode', async () => {
    const files = 'sarif-multitool-*.sarif';
    const all = await gate({ files, limits: { high: 23, medium: 1 } });
    assert.equal(all.reason, 'security gate failed for production: medium 2 exceeds the limit of 1');
    assert.deepEqual(all.evidence, {
      'sarif.critical': 0,
      'sarif.high': 23,
      'sarif.medium': 2,
      'sarif.low': 5,
      'secrets.found': 0,
    });
    const fresh = await gate({ files, 'new-only': true, limits: { high: 23, medium: 0 } });
    assert.equal(fresh.ok, true, fresh.reason);
    assert.deepEqual(fresh.evidence, {
      'sarif.critical': 0,
      'sarif.high': 23,
      'sarif.medium': 0,
      'sarif.low': 0,
      'secrets.found': 0,
    });
    assert.match(fresh.log, /^SARIF Functional Testing +0 +23 +0 +0 +0 +0 +8$/m);
  });

  it('fails, naming the file, on a truncated, legacy or missing SARIF file, never passes', async () => {
    const text = readFileSync(join(FIXTURES, 'gitleaks-empty-runs.sarif'), 'utf8');
    writeFileSync(join(scratch, 'truncated.sarif'), text.slice(0, 60));
    const truncated = await gate({ files: 'truncated.sarif' }, scratch);
    assert.equal(truncated.ok, false);
    assert.match(
      truncated.reason ?? '',
      /^invalid SARIF: \/.*\/truncated\.sarif: not valid JSON, truncated or corrupt/,
    );
    const legacy = await gate({ files: '*.sarif' });
    assert.match(
      legacy.reason ?? '',
      /binskim-1\.5-prerelease-2\.0\.0-with-bom\.sarif: unsupported SARIF version "2\.0\.0"/,
    );
    const missing = await gate({ files: ['trivy-alpine-310-image.sarif', 'nope-*.sarif'] });
    assert.equal(missing.ok, false);
    assert.match(missing.reason ?? '', /^files: "nope-\*\.sarif" matched no file in /);
  });

  it('reads a BOM-prefixed 2.1.0 file', async () => {
    copyFileSync(join(FIXTURES, 'trivy-alpine-310-image.sarif'), join(scratch, 'plain.sarif'));
    writeFileSync(join(scratch, 'bom.sarif'), `\uFEFF${readFileSync(join(scratch, 'plain.sarif'), 'utf8')}`);
    const r = await gate({ files: 'bom.sarif' }, scratch);
    assert.equal(r.evidence?.['sarif.medium'], 4);
  });

  it('declares inputs that accept the documented shapes and reject typos', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(gateSarif.inputs);
    assert.ok(validate({ files: 'a.sarif' }));
    assert.ok(
      validate({
        files: ['a.sarif', 'b/*.sarif'],
        environment: 'staging',
        'new-only': true,
        limits: { high: 3, secrets: 0 },
      }),
    );
    assert.ok(
      validate({
        files: 'a.sarif',
        'secret-tools': ['gitleaks', 'trufflehog'],
        'tool-severity': { semgrep: 'high' },
      }),
    );
    for (const bad of [
      {},
      { files: [] },
      { files: 'a', environment: 'prod' },
      { files: 'a', limits: { hihg: 1 } },
      { files: 'a', limits: { high: -1 } },
      { files: 'a', 'tool-severity': { x: 'severe' } },
    ])
      assert.equal(validate(bad), false, JSON.stringify(bad));
  });
});

describe('gate/sarif on real ESLint 9 output (6 errors, 3 warnings, 1 suppressed)', () => {
  const files = 'eslint-9-cart.sarif';
  const evidence = {
    'sarif.critical': 0,
    'sarif.high': 6,
    'sarif.medium': 3,
    'sarif.low': 0,
    'secrets.found': 0,
  };

  it('fails production with errors as high and warnings as medium', async () => {
    const r = await gate({ files });
    assert.equal(r.reason, 'security gate failed for production: high 6 exceeds the limit of 0');
    assert.deepEqual(r.evidence, evidence);
    assert.deepEqual(r.outputs, {
      passed: 'false',
      critical: '0',
      high: '6',
      secrets: '0',
    });
    assert.match(r.log, /^ESLint +0 +6 +3 +0 +0 +1 +0$/m);
    assert.match(
      r.log,
      /^ {2}high +no-debugger {2}file:\/\/\/.*\/cart\.ts:32 {2}\(ESLint, eslint-9-cart\.sarif\)$/m,
    );
  });

  it('fails staging one over its high limit of 5 and passes development (≤10)', async () => {
    const staging = await gate({ files, environment: 'staging' });
    assert.equal(staging.reason, 'security gate failed for staging: high 6 exceeds the limit of 5');
    const development = await gate({ files, environment: 'development' });
    assert.equal(development.ok, true, development.reason);
    assert.deepEqual(development.evidence, evidence);
  });

  it('passes exactly at limits of 6 high and 3 medium, fails one under either', async () => {
    assert.equal((await gate({ files, limits: { high: 6, medium: 3 } })).ok, true);
    assert.equal(
      (await gate({ files, limits: { high: 5, medium: 3 } })).reason,
      'security gate failed for production: high 6 exceeds the limit of 5',
    );
    assert.equal(
      (await gate({ files, limits: { high: 6, medium: 2 } })).reason,
      'security gate failed for production: medium 3 exceeds the limit of 2',
    );
  });

  it('fails on a parse error even with generous limits, naming the file', async () => {
    const r = await gate({
      files: ['eslint-9-*.sarif'],
      environment: 'development',
      limits: { high: 100, medium: 100 },
    });
    assert.equal(r.ok, false);
    assert.match(
      r.reason ?? '',
      /^incomplete scan: \/.*\/eslint-9-parse-error\.sarif: runs\[0\] \(ESLint\) did not complete: executionSuccessful is false; 1 error notification\(s\): ESL0999 at file:\/\/\/.*\/broken\.ts:3$/,
    );
    assert.equal(r.evidence, undefined);
  });

  it('fails on a truncated or reshaped copy, naming it', async () => {
    const text = readFileSync(join(FIXTURES, files), 'utf8');
    writeFileSync(join(scratch, 'eslint-truncated.sarif'), text.slice(0, text.lastIndexOf('"results"')));
    const truncated = await gate({ files: 'eslint-truncated.sarif', environment: 'development' }, scratch);
    assert.match(
      truncated.reason ?? '',
      /^invalid SARIF: \/.*\/eslint-truncated\.sarif: not valid JSON, truncated or corrupt/,
    );
    writeFileSync(join(scratch, 'eslint-no-driver.sarif'), text.replace('"driver"', '"drivers"'));
    const reshaped = await gate({ files: 'eslint-no-driver.sarif', environment: 'development' }, scratch);
    assert.match(
      reshaped.reason ?? '',
      /^invalid SARIF: \/.*\/eslint-no-driver\.sarif: runs\[0\]\.tool\.driver\.name is missing$/,
    );
  });
});

describe('gate/sarif on real Semgrep output (its CLI test snapshots)', () => {
  const five = ['semgrep-with-source.sarif', 'semgrep-rule-board.sarif'];
  const six = [...five, 'semgrep-include-nosemgrep.sarif'];

  it('allows exactly 5 high in staging and fails at 6; the nosemgrep result never counts', async () => {
    const atLimit = await gate({ files: five, environment: 'staging' });
    assert.equal(atLimit.ok, true, atLimit.reason);
    assert.equal(atLimit.evidence?.['sarif.high'], 5);
    const over = await gate({ files: six, environment: 'staging' });
    assert.equal(over.reason, 'security gate failed for staging: high 6 exceeds the limit of 5');
    assert.match(over.log, /^3 SARIF file\(s\), 7 result\(s\), environment staging$/m);
    assert.match(over.log, /^Semgrep OSS +0 +6 +0 +0 +0 +1 +0$/m);
  });

  it('passes development and fails production, with evidence per severity', async () => {
    const files = [...six, 'semgrep-dataflow-traces.sarif'];
    const development = await gate({ files, environment: 'development' });
    assert.equal(development.ok, true, development.reason);
    assert.deepEqual(development.evidence, {
      'sarif.critical': 0,
      'sarif.high': 6,
      'sarif.medium': 1,
      'sarif.low': 0,
      'secrets.found': 0,
    });
    const production = await gate({ files: 'semgrep-with-source.sarif' });
    assert.equal(production.reason, 'security gate failed for production: high 2 exceeds the limit of 0');
    assert.match(
      production.log,
      /^ {2}high +rules\.eqeq-is-bad {2}targets\/basic\/stupid\.py:3 {2}\(Semgrep OSS/m,
    );
  });

  it('passes a medium limit of 1 with the taint finding and fails a limit of 0', async () => {
    const files = 'semgrep-dataflow-traces.sarif';
    assert.equal((await gate({ files, limits: { medium: 1 } })).ok, true);
    assert.equal(
      (await gate({ files, limits: { medium: 0 } })).reason,
      'security gate failed for production: medium 1 exceeds the limit of 0',
    );
  });

  it('counts the unsuppressed AWS account id as a secret when Semgrep is a secret tool', async () => {
    const inputs = { files: 'semgrep-include-nosemgrep.sarif', 'secret-tools': ['Semgrep OSS'] };
    const r = await gate({ ...inputs, environment: 'development' });
    assert.equal(r.reason, 'security gate failed for development: secrets 1 exceeds the limit of 0');
    assert.deepEqual(r.evidence, {
      'sarif.critical': 0,
      'sarif.high': 0,
      'sarif.medium': 0,
      'sarif.low': 0,
      'secrets.found': 1,
    });
    assert.ok(!r.log.includes('123456789012'), r.log);
    assert.equal((await gate({ ...inputs, limits: { secrets: 1 } })).ok, true);
  });

  it('fails a scan that reported an error (file not found), also beside clean files', async () => {
    const r = await gate({ files: ['semgrep-when-errors.sarif', 'semgrep-dataflow-traces.sarif'] });
    assert.match(
      r.reason ?? '',
      /^incomplete scan: \/.*\/semgrep-when-errors\.sarif: runs\[0\] \(Semgrep OSS\) did not complete: 1 error notification\(s\): SemgrepError$/,
    );
  });

  it('fails on a truncated or reshaped copy, naming it', async () => {
    const text = readFileSync(join(FIXTURES, 'semgrep-rule-board.sarif'), 'utf8');
    writeFileSync(join(scratch, 'semgrep-truncated.sarif'), text.slice(0, text.length - 40));
    const truncated = await gate({ files: 'semgrep-truncated.sarif', environment: 'development' }, scratch);
    assert.match(
      truncated.reason ?? '',
      /^invalid SARIF: \/.*\/semgrep-truncated\.sarif: not valid JSON, truncated or corrupt/,
    );
    writeFileSync(join(scratch, 'semgrep-1.sarif'), text.replace('"version": "2.1.0"', '"version": "2.1"'));
    const version = await gate({ files: 'semgrep-1.sarif', environment: 'development' }, scratch);
    assert.match(
      version.reason ?? '',
      /^invalid SARIF: \/.*\/semgrep-1\.sarif: unsupported SARIF version "2\.1", expected "2\.1\.0"$/,
    );
  });
});
