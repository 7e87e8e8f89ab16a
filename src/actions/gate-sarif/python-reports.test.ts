import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionContext, ActionResult } from '../action.ts';
import { gateSarif } from './gate-sarif.ts';

const FIXTURES = new URL('../../../test/fixtures/python-security/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-gate-python-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function gate(
  inputs: Record<string, unknown>,
  dir = FIXTURES,
): Promise<ActionResult & { log: string }> {
  const lines: string[] = [];
  const ctx = { inputs, workingDirectory: dir, root: dir, log: (l: string) => lines.push(l) };
  const result = await gateSarif.run(ctx as unknown as ActionContext);
  return { ...result, log: lines.join('\n') };
}

const safety = () => JSON.parse(readFileSync(join(FIXTURES, 'safety-2.0b1-one-finding.json'), 'utf8'));

describe('gate/sarif reads Bandit and Safety JSON reports', () => {
  it('bandit 1.6.2: one high (B602 shell=True) fails production; counts by severity are evidence', async () => {
    const r = await gate({ files: 'bandit-1.6.2.json' });
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /security gate failed for production: .*high/);
    assert.deepEqual(r.evidence, {
      'sarif.critical': 0,
      'sarif.high': 1,
      'sarif.medium': 2,
      'sarif.low': 3,
      'secrets.found': 0,
    });
    assert.match(r.log, /high +B602 +app\/views\.py:7 +\(bandit, bandit-1\.6\.2\.json\)/);
  });

  it('a bandit report listing files it could not scan is an incomplete scan, never a pass', async () => {
    const doc = JSON.parse(readFileSync(join(FIXTURES, 'bandit-1.6.2.json'), 'utf8'));
    doc.errors = [{ filename: 'app/broken.py', reason: 'syntax error while parsing AST from file' }];
    doc.results = [];
    writeFileSync(join(scratch, 'bandit-errors.json'), JSON.stringify(doc));
    const r = await gate({ files: 'bandit-errors.json' }, scratch);
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /^incomplete scan: .*bandit could not scan 1 file\(s\) \(app\/broken\.py/);
  });

  it('safety 2: a vulnerability without CVSS counts as high unless tool-severity says otherwise', async () => {
    const r = await gate({ files: 'safety-2.0b1-one-finding.json' });
    assert.equal(r.ok, false);
    assert.equal(r.evidence?.['sarif.high'], 1);
    assert.match(r.log, /high +25853 +insecure-package 0\.1\.0 +\(safety/);
    const low = await gate({ files: 'safety-2.0b1-one-finding.json', 'tool-severity': { safety: 'low' } });
    assert.equal(low.ok, true, low.reason);
    assert.equal(low.evidence?.['sarif.low'], 1);
  });

  it('safety 2: CVSS v3 base severity decides; an ignored vulnerability is not counted', async () => {
    const doc = safety();
    doc.vulnerabilities[0].severity = {
      source: 'cve',
      cvssv3: { base_score: 9.8, base_severity: 'CRITICAL' },
    };
    doc.vulnerabilities.push({ ...doc.vulnerabilities[0], vulnerability_id: '1', ignored: true });
    writeFileSync(join(scratch, 'safety-cvss.json'), JSON.stringify(doc));
    const r = await gate({ files: 'safety-cvss.json', environment: 'staging' }, scratch);
    assert.equal(r.ok, false);
    assert.equal(r.evidence?.['sarif.critical'], 1);
  });

  it('a Safety 1 report (a list of lists) is refused with what to run instead', async () => {
    writeFileSync(
      join(scratch, 'safety1.json'),
      JSON.stringify([['django', '<2.2.24', '2.2.0', 'advisory', '40637']]),
    );
    const r = await gate({ files: 'safety1.json' }, scratch);
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /a Safety 1 report .*safety check --json/);
  });
});
