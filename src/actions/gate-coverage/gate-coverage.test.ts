import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { ActionContext } from '../action.ts';
import { gateCoverage } from './gate-coverage.ts';

const FIXTURES = new URL('../../../test/fixtures/coverage/', import.meta.url).pathname;
let dir: string;

function ctx(inputs: Record<string, unknown>, tier?: number, lines: string[] = []): ActionContext {
  const partial: Partial<ActionContext> = {
    inputs,
    workingDirectory: dir,
    log: (line) => lines.push(line),
    run: {
      id: 1,
      pipeline: {
        name: 'svc',
        ...(tier ? { service: { name: 'svc', tier } } : {}),
      } as ActionContext['run']['pipeline'],
    },
  };
  return partial as ActionContext;
}

describe('gate/coverage', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runway-gate-coverage-'));
    for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(dir, f));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tier 1 passes 80% (coverage.py branch gold) and records lines and branches', async () => {
    const lines: string[] = [];
    const result = await gateCoverage.run(ctx({ cobertura: 'coveragepy-cobertura-branch.xml' }, 1, lines));
    assert.deepEqual(result, { ok: true, evidence: { 'coverage.lines': 80, 'coverage.branches': 50 } });
    assert.match(lines[0] ?? '', /^cobertura .*coveragepy-cobertura-branch\.xml: lines 80%, branches 50%$/);
  });

  it('tier 1 fails 79.9 with the shortfall table; an explicit minimum overrides the tier', async () => {
    writeFileSync(join(dir, 'edge.info'), 'SF:app/core/a.py\nLF:1000\nLH:799\nend_of_record\n');
    const short = await gateCoverage.run(ctx({ lcov: 'edge.info' }, 1));
    assert.equal(short.ok, false);
    assert.equal(
      short.reason,
      [
        'coverage below minimum: total 79.9% < 80%',
        'scope  files  lines  minimum',
        'total  1      79.9%  80%      ✖ short',
      ].join('\n'),
    );
    assert.deepEqual(short.evidence, { 'coverage.lines': 79.9 });
    assert.equal((await gateCoverage.run(ctx({ lcov: 'edge.info' }, 2))).ok, true);
    assert.equal((await gateCoverage.run(ctx({ lcov: 'edge.info', minimum: 79.9 }, 1))).ok, true);
  });

  it('per-path floors fail with every short scope', async () => {
    const result = await gateCoverage.run(
      ctx(
        {
          cobertura: 'scoverage-cobertura.xml',
          minimum: 70,
          paths: [
            { path: 'org/scoverage/samples/ignored/', minimum: 1 },
            { path: 'org/scoverage/samples/Futures.scala', minimum: 81.81 },
            { path: 'app/core/', minimum: 98 },
          ],
        },
        3,
      ),
    );
    assert.equal(result.ok, false);
    assert.match(
      result.reason ?? '',
      /^coverage below minimum: org\/scoverage\/samples\/ignored\/ 0% < 1%; app\/core\/ matched no files\n/,
    );
    assert.deepEqual(result.evidence, { 'coverage.lines': 71.54, 'coverage.branches': 60.97 });
  });

  it('istanbul records functions too; lcov from node --test', async () => {
    const ist = await gateCoverage.run(
      ctx({ istanbul: 'vitest-istanbul-coverage-summary.json', minimum: 41 }),
    );
    assert.deepEqual(ist.evidence, {
      'coverage.lines': 41.37,
      'coverage.branches': 39.65,
      'coverage.functions': 62.06,
    });
    assert.equal(ist.ok, true);
    const lcov = await gateCoverage.run(ctx({ lcov: 'node-test-runner-lcov-reporter.info' }, 1));
    assert.equal(lcov.ok, true);
    assert.equal(lcov.evidence?.['coverage.lines'], 99.48);
  });

  it('fails, never passes, on a missing, truncated or untiered report', async () => {
    assert.match(
      (await gateCoverage.run(ctx({ lcov: 'missing.info' }, 1))).reason ?? '',
      /ENOENT.*missing\.info/,
    );
    writeFileSync(join(dir, 'cut.info'), 'SF:a.ts\nLF:3\n');
    assert.match((await gateCoverage.run(ctx({ lcov: 'cut.info' }, 1))).reason ?? '', /cut\.info: truncated/);
    assert.match(
      (await gateCoverage.run(ctx({ cobertura: 'coveragepy-cobertura-lines.xml' }))).reason ?? '',
      /no coverage minimum: set minimum or a service tier/,
    );
    assert.deepEqual(await gateCoverage.run(ctx({ minimum: 80 }, 1)), {
      ok: false,
      reason: 'give exactly one of lcov, cobertura, istanbul; got 0',
    });
  });

  it('its inputs schema takes exactly one report and well-formed floors', () => {
    const validate = new Ajv({ strict: false }).compile(gateCoverage.inputs);
    assert.equal(validate({ lcov: 'a', paths: [{ path: 'app/core/', minimum: 98 }] }), true);
    assert.equal(validate({ lcov: 'a', istanbul: 'b' }), false);
    assert.equal(validate({ minimum: 80 }), false);
    assert.equal(validate({ lcov: 'a', minimum: 101 }), false);
    assert.equal(validate({ lcov: 'a', paths: [{ path: 'x' }] }), false);
  });
});
