import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { caseFiles, readCases, runCases, TableTestError } from './table-test.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/analysis/', import.meta.url));
const TEMPLATES = (
  parse(readFileSync(join(FIXTURES, 'runway.yaml'), 'utf8')) as { analysis: Record<string, unknown> }
).analysis;
const dir = mkdtempSync(join(tmpdir(), 'runway-table-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const SERIES = "{ m: [{ at: '2026-03-02T10:00:00Z', value: 0.01 }] }";
const TEMPLATE = {
  t: { metrics: [{ name: 'm', provider: { prometheus: { query: 'q' } }, success: 'result < 0.02' }] },
};

describe('table tests', () => {
  it('finds *.test.yaml, *.test.yml and *.test.json recursively, leaving recordings alone', () => {
    file('find/a.test.yaml', '[]');
    file('find/nested/b.test.json', '[]');
    file('find/c.test.yml', '[]');
    file('find/recording.json', '{}');
    assert.deepEqual(
      caseFiles(join(dir, 'find')).map((f) => f.slice(dir.length + 1)),
      ['find/a.test.yaml', 'find/c.test.yml', 'find/nested/b.test.json'],
    );
    assert.throws(() => caseFiles(join(dir, 'missing')), TableTestError);
    mkdirSync(join(dir, 'empty'));
    assert.throws(
      () => caseFiles(join(dir, 'empty')),
      /no case files \(\*\.test\.yaml, \*\.test\.yml or \*\.test\.json\)/,
    );
  });

  it('reads a file of cases with defaults, a list of cases, or one case', () => {
    const withDefaults = readCases(
      file(
        'forms/defaults.test.yaml',
        `template: t\nargs: { service: a }\ncases:\n  - { series: ${SERIES}, expect: successful, args: { env: b } }\n`,
      ),
    );
    assert.equal(withDefaults[0]?.template, 't');
    assert.deepEqual(withDefaults[0]?.args, { service: 'a', env: 'b' });
    assert.equal(withDefaults[0]?.name, 'case 1');
    const list = readCases(
      file(
        'forms/list.test.yaml',
        `- { name: x, template: t, series: ${SERIES}, expect: failed, failureLimit: 2, interval: 30s }\n`,
      ),
    );
    assert.equal(list[0]?.failureLimit, 2);
    assert.equal(list[0]?.intervalMs, 30_000);
    const single = readCases(
      file(
        'forms/one.test.json',
        JSON.stringify({ template: 't', series: { m: [{ at: 0, value: 1 }] }, expect: 'error' }),
      ),
    );
    assert.equal(single[0]?.expect, 'error');
    assert.match(single[0]?.source ?? '', /one\.test\.json#1$/);
  });

  it('reads a recording named by path, relative to the case file', () => {
    file('paths/recordings/r.json', JSON.stringify({ m: [{ at: 0, value: 1 }] }));
    const cases = readCases(
      file('paths/cases/r.test.yaml', '- { template: t, series: ../recordings/r.json, expect: failed }\n'),
    );
    assert.deepEqual(cases[0]?.series, { m: [{ at: 0, value: 1 }] });
  });

  it('lists every problem of a case file with its field, then refuses it', () => {
    const path = file(
      'bad/bad.test.yaml',
      [
        'cases:',
        `  - { template: t, series: ${SERIES}, expect: passed }`,
        `  - { tempalte: t, series: ${SERIES}, expect: failed }`,
        '  - { template: t, series: nowhere.json, expect: failed }',
        "  - { template: t, series: { m: [{ at: 'soon', value: 1 }] }, expect: failed }",
        '',
      ].join('\n'),
    );
    assert.throws(
      () => readCases(path, 'bad.test.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof TableTestError);
        assert.deepEqual(err.message.split('\n'), [
          'bad.test.yaml: cases[0].expect: expected one of successful, failed, inconclusive, error, got "passed"',
          'bad.test.yaml: cases[1].tempalte: unknown key "tempalte" (did you mean "template"?); expected one of name, template, args, series, expect, failureLimit, interval',
          'bad.test.yaml: cases[1].template: is required',
          'bad.test.yaml: cases[2].series: cannot read nowhere.json',
          'bad.test.yaml: cases[3].series: m[0].at: expected an ISO 8601 time with Z or an offset, or unix seconds, got "soon"',
        ]);
        return true;
      },
    );
  });

  it('runs the fixture cases: every expectation holds', async () => {
    const cases = caseFiles(join(FIXTURES, 'analysis-tests')).flatMap((f) => readCases(f));
    const results = await runCases(cases, TEMPLATES, { service: 'checkout-api' });
    assert.deepEqual(
      results.filter((r) => !r.passed).map((r) => `${r.case.source}: ${r.message}`),
      [],
    );
    assert.deepEqual(
      results.map((r) => r.actual),
      ['failed', 'failed', 'successful', 'inconclusive', 'inconclusive', 'error', 'failed', 'successful'],
    );
  });

  it('a case that cannot be replayed fails, even one that expects error', async () => {
    const cases = readCases(
      file(
        'broken/b.test.yaml',
        `- { template: t, series: { other: [{ at: 0, value: 1 }] }, expect: error }\n`,
      ),
    );
    const [result] = await runCases(cases, TEMPLATE);
    assert.equal(result?.passed, false);
    assert.match(result?.message ?? '', /^cannot replay: no recorded series for m of template "t"/);
  });
});
