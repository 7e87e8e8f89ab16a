import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { SAMPLES } from '../../gates/security/secret-samples.fixture.ts';
import { fingerprintOf } from '../../gates/security/secret-scan.ts';
import type { ActionContext, ActionResult, InputCheckContext } from '../action.ts';
import { scanSecrets } from './scan-secrets.ts';

const SECRETS = new URL('../../../test/fixtures/supply-chain/secrets/', import.meta.url).pathname;
const FIXTURE_SECRETS = [
  'AKIALALEMEL33243OLIA', // runway:allow-secret
  '8ae31cacf141669ddfb5da',
  'a secret',
  ...Object.values(SAMPLES),
];
let dir: string;

/** Runs the action in `cwd`; returns the result with its log, and checks no secret leaked into either. */
async function scan(inputs: Record<string, unknown>, cwd = dir): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = { inputs, workingDirectory: cwd, root: cwd, log: (l: string) => lines.push(l) };
  const result = await scanSecrets.run(ctx as unknown as ActionContext);
  const everything = JSON.stringify(result) + lines.join('\n');
  for (const secret of FIXTURE_SECRETS)
    assert.ok(!everything.includes(secret), `leaked ${secret.slice(0, 4)}…`);
  return { ...result, log: lines.join('\n') };
}

describe('scan/secrets', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runway-scan-secrets-'));
    mkdirSync(join(dir, 'tree'));
    for (const f of readdirSync(join(SECRETS, 'gitleaks-files')))
      copyFileSync(join(SECRETS, 'gitleaks-files', f), join(dir, 'tree', f));
    for (const f of readdirSync(SECRETS)) if (f.includes('.')) copyFileSync(join(SECRETS, f), join(dir, f));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fails on the secrets in Gitleaks test files, showing rule, place and fingerprint only', async () => {
    const r = await scan({ path: 'tree' });
    assert.equal(r.ok, false);
    assert.equal(
      r.reason,
      'secrets found: 3 exceeds the limit of 0 (generic-secret at .env.prod:4:13, aws-access-key-id at api.go:20:15, aws-access-key-id at main.go:20:15)',
    );
    assert.deepEqual(r.evidence, { 'secrets.found': 3 });
    assert.deepEqual(r.outputs, { found: '3' });
    assert.match(r.log, /^scanned 3 file\(s\) in .*tree \(all files\), \d{3} rules$/m);
    assert.match(
      r.log,
      new RegExp(`aws-access-key-id +api\\.go:20:15  fingerprint ${fingerprintOf('AKIALALEMEL33243OLIA')}`), // runway:allow-secret
    );
  });

  it('passes at max and fails one above it', async () => {
    assert.equal((await scan({ path: 'tree', max: 3 })).ok, true);
    const over = await scan({ path: 'tree', max: 2 });
    assert.match(over.reason ?? '', /^secrets found: 3 exceeds the limit of 2 /);
  });

  it('accepts findings by path glob or fingerprint, and counts only the rest', async () => {
    const byPath = await scan({ path: 'tree', allow: ['*.go'] });
    assert.deepEqual(byPath.evidence, { 'secrets.found': 1 });
    assert.match(byPath.log, /^2 finding\(s\) accepted by allow$/m);
    const all = await scan({ path: 'tree', allow: ['*.go', fingerprintOf('8ae31cacf141669ddfb5da')] });
    assert.equal(all.ok, true);
    assert.deepEqual(all.evidence, { 'secrets.found': 0 });
  });

  it('scans the working directory by default and writes SARIF without the secrets', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, 'settings.py'), `SLACK_TOKEN = "${SAMPLES.slack}"\nJWT = "${SAMPLES.jwt}"\n`);
    const r = await scan({ sarif: 'reports/secrets.sarif' }, cwd);
    assert.deepEqual(r.evidence, { 'secrets.found': 2 });
    const sarif = readFileSync(join(cwd, 'reports/secrets.sarif'), 'utf8');
    assert.equal(r.outputs?.['sarif'], join(cwd, 'reports/secrets.sarif'));
    for (const secret of [SAMPLES.slack, SAMPLES.jwt]) assert.ok(!sarif.includes(secret));
    assert.deepEqual(
      JSON.parse(sarif).runs[0].results.map((x: { ruleId: string }) => x.ruleId),
      ['slack-token', 'jwt'],
    );
  });

  it('reads Gitleaks JSON and SARIF reports instead of scanning', async () => {
    const json = await scan({ report: 'gitleaks-json-simple.json' });
    assert.equal(json.reason, 'secrets found: 1 exceeds the limit of 0 (test-rule at auth.py:1:1)');
    assert.match(json.log, /^report .*gitleaks-json-simple\.json \(gitleaks-json\): 1 finding\(s\)$/m);
    const sarif = await scan({ report: 'gitleaks-simple.sarif' });
    assert.deepEqual(sarif.evidence, { 'secrets.found': 1 });
    assert.match(sarif.log, new RegExp(`test-rule +auth\\.py:1:1  fingerprint ${fingerprintOf('a secret')}`));
    const empty = await scan({ report: 'gitleaks-json-empty.json' });
    assert.equal(empty.ok, true);
    assert.deepEqual(empty.evidence, { 'secrets.found': 0 });
    const redacted = await scan({ report: 'gitleaks-json-baseline-redacted.json', max: 2 });
    assert.equal(redacted.ok, true);
    assert.match(redacted.log, /2 redacted \(fingerprint from rule:file:line\)/);
  });

  it('fails, naming the file, on a truncated or missing report and a missing path; never passes', async () => {
    writeFileSync(
      join(dir, 'cut.json'),
      readFileSync(join(SECRETS, 'gitleaks-json-simple.json'), 'utf8').slice(0, 90),
    );
    const cut = await scan({ report: 'cut.json' });
    assert.equal(cut.ok, false);
    assert.match(
      cut.reason ?? '',
      /^invalid secrets report: \/.*\/cut\.json: not valid JSON, truncated or corrupt/,
    );
    assert.equal(cut.evidence, undefined);
    const missing = await scan({ report: 'nope.json' });
    assert.match(missing.reason ?? '', /^invalid secrets report: \/.*\/nope\.json: cannot read \(ENOENT\)$/);
    const noDir = await scan({ path: 'nope' });
    assert.match(noDir.reason ?? '', /^path: \/.*\/nope is not a directory$/);
  });

  it('declares inputs that accept the documented shapes and reject typos', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(scanSecrets.inputs);
    assert.ok(validate({}));
    assert.ok(validate({ path: 'src', allow: ['test/**', 'abcdef012345'], max: 1, sarif: 'secrets.sarif' }));
    assert.ok(validate({ report: 'gitleaks.json' }));
    for (const bad of [{ max: -1 }, { allow: 'x' }, { paths: 'src' }, { report: '' }])
      assert.equal(validate(bad), false, JSON.stringify(bad));
    const context = { root: '.' } as InputCheckContext;
    assert.deepEqual(scanSecrets.check?.({ path: 'a', report: 'b' }, context), [
      { input: 'report', message: 'give either path (scan) or report (read a scan), not both' },
    ]);
  });
});
