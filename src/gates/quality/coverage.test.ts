import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  checkCoverage,
  formatPct,
  parseCoverage,
  parseLcov,
  pathMatches,
  type CoverageReport,
} from './coverage.ts';

const FIXTURES = new URL('../../../test/fixtures/coverage/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

describe('parseCoverage on real reports', () => {
  it('lcov from node --test: LH/LF, BRH/BRF, FNH/FNF', () => {
    const r = parseCoverage('lcov', read('node-test-runner-lcov-reporter.info'), 'n');
    assert.deepEqual(r.total, {
      lines: (390 / 392) * 100,
      branches: (97 / 101) * 100,
      functions: (96 / 99) * 100,
    });
    assert.deepEqual(r.files, [
      {
        path: 'test/fixtures/test-runner/output/output.js',
        lines: (390 / 392) * 100,
        covered: 390,
        total: 392,
      },
    ]);
  });

  it('lcov from llvm-cov: four files, nothing covered, no branch data', () => {
    const r = parseCoverage('lcov', read('llvm-cov-swift-lcov.info'), 's');
    assert.deepEqual(r.total, { lines: 0, functions: 0 });
    assert.deepEqual(
      r.files.map((f) => [f.path.split('/').pop(), f.total]),
      [
        ['LedgerLookup.swift', 92],
        ['Wealthsimple.Transaction.swift', 24],
        ['WealthsimpleConversionError.swift', 17],
        ['WealthsimpleLedgerMapper.swift', 267],
      ],
    );
  });

  it('Cobertura from coverage.py with branches: 4/5 lines, 1/2 branches', () => {
    const r = parseCoverage('cobertura', read('coveragepy-cobertura-branch.xml'), 'c');
    assert.deepEqual(r, {
      total: { lines: 80, branches: 50 },
      files: [{ path: 'y.py', lines: 80, covered: 4, total: 5 }],
    });
  });

  it('Cobertura from coverage.py without branches: 2/3 lines, branches unknown', () => {
    const r = parseCoverage('cobertura', read('coveragepy-cobertura-lines.xml'), 'c');
    assert.deepEqual(r.total, { lines: (2 / 3) * 100 });
    assert.equal(formatPct(r.total.lines), '66.66');
  });

  it('Cobertura from scoverage: 176/246 lines, 25/41 branches, class <line> elements added up by filename', () => {
    const r = parseCoverage('cobertura', read('scoverage-cobertura.xml'), 'c');
    assert.deepEqual(r.total, { lines: (176 / 246) * 100, branches: (25 / 41) * 100 });
    assert.equal(r.files.length, 16);
    assert.equal(
      r.files.reduce((n, f) => n + (f.total ?? 0), 0),
      246,
    );
    assert.equal(
      r.files.reduce((n, f) => n + (f.covered ?? 0), 0),
      176,
    );
    assert.deepEqual(
      r.files.find((f) => f.path.endsWith('IgnoredObject.scala')),
      { path: 'org/scoverage/samples/ignored/IgnoredObject.scala', lines: 0, covered: 0, total: 1 },
    );
  });

  it('Istanbul summary from vitest: totals from covered/total (not the rounded pct), "Unknown" pct ignored, per-file lines', () => {
    const r = parseCoverage('istanbul', read('vitest-istanbul-coverage-summary.json'), 'i');
    assert.deepEqual(r.total, {
      lines: (60 / 145) * 100,
      branches: (23 / 58) * 100,
      functions: (18 / 29) * 100,
    });
    assert.equal(r.files.length, 5);
    assert.deepEqual(r.files[1], {
      path: '/absolute/path/src/format.js',
      lines: (24 / 33) * 100,
      covered: 24,
      total: 33,
    });
  });

  it('rejects the hand-edited Istanbul mock with a 115% file (1.15 of 1 lines covered)', () => {
    assert.throws(
      () => parseCoverage('istanbul', read('vitest-istanbul-coverage-summary-compare.json'), 'cmp.json'),
      /cmp\.json: \/absolute\/path\/src\/constants\.js\.lines\.covered is not between 0 and .*\.lines\.total/,
    );
  });

  it('trusts covered/total over an edited pct', () => {
    const summary = { total: { lines: { total: 10, covered: 5, skipped: 0, pct: 100 } } };
    assert.equal(parseCoverage('istanbul', JSON.stringify(summary), 's.json').total.lines, 50);
  });
});

describe('parseCoverage on broken input never passes', () => {
  it('lcov cut before its last end_of_record names the file and the record', () => {
    const text = read('node-test-runner-lcov-reporter.info');
    assert.throws(
      () => parseLcov(text.slice(0, text.lastIndexOf('end_of_record')), 'lcov.info'),
      /lcov\.info: truncated: the record for test\/fixtures\/test-runner\/output\/output\.js \(line 2\) has no end_of_record/,
    );
  });

  it('lcov with a bad count, a stray line, no records, LH > LF, a nested SF', () => {
    assert.throws(() => parseLcov('SF:a\nLF:x\nend_of_record\n', 'l'), /l:2: LF is "x", expected a count/);
    assert.throws(() => parseLcov('SF:a\n<html>\nend_of_record\n', 'l'), /l:2: not an lcov line: "<html>"/);
    assert.throws(() => parseLcov('TN:\n', 'l'), /l: no lcov records/);
    assert.throws(() => parseLcov('SF:a\nLF:1\nLH:2\nend_of_record\n', 'l'), /a has LH 2 greater than LF 1/);
    assert.throws(() => parseLcov('SF:a\nSF:b\n', 'l'), /l:2: SF for b before end_of_record of a/);
    assert.throws(() => parseLcov('end_of_record\n', 'l'), /l:1: end_of_record without a preceding SF/);
    assert.throws(() => parseLcov('LF:1\n', 'l'), /l:1: LF outside a record/);
  });

  it('lcov without LF/LH counts the DA lines', () => {
    const r = parseLcov('SF:a.ts\nDA:1,1\nDA:2,0\nDA:3,4\nDA:4,0\nend_of_record\n', 'l');
    assert.deepEqual(r.files, [{ path: 'a.ts', lines: 50, covered: 2, total: 4 }]);
  });

  it('truncated Cobertura names the file', () => {
    const text = read('coveragepy-cobertura-branch.xml');
    assert.throws(
      () => parseCoverage('cobertura', text.slice(0, text.indexOf('</lines>')), 'coverage.xml'),
      /coverage\.xml: malformed XML: truncated or unclosed elements: coverage, packages, package, classes, class, lines/,
    );
  });

  it('Cobertura without a coverage root or rates', () => {
    assert.throws(
      () => parseCoverage('cobertura', '<testsuite/>', 'x.xml'),
      /x\.xml: not a Cobertura report/,
    );
    assert.throws(
      () => parseCoverage('cobertura', '<coverage/>', 'x.xml'),
      /neither lines-valid nor line-rate/,
    );
    assert.deepEqual(parseCoverage('cobertura', '<coverage line-rate="0.5"/>', 'x').total, { lines: 50 });
  });

  it('Istanbul: truncated JSON, wrong shape', () => {
    const text = read('vitest-istanbul-coverage-summary.json');
    assert.throws(() => parseCoverage('istanbul', text.slice(0, 200), 's.json'), /s\.json: malformed JSON/);
    assert.throws(
      () => parseCoverage('istanbul', '[]', 's.json'),
      /s\.json: not an Istanbul coverage summary/,
    );
    assert.throws(() => parseCoverage('istanbul', '{"total":{}}', 's.json'), /expected total\.lines\.pct/);
    assert.throws(
      () => parseCoverage('istanbul', '{"total":{"lines":{"pct":50}},"a.js":{}}', 's.json'),
      /s\.json: a\.js has no numeric lines\.pct/,
    );
  });
});

function report(lines: number, files: CoverageReport['files'] = []): CoverageReport {
  return { total: { lines }, files };
}

describe('checkCoverage', () => {
  for (const [tier, minimum] of [
    [1, 80],
    [2, 70],
    [3, 60],
  ] as const) {
    it(`tier ${tier}: ${minimum} passes, ${minimum - 0.1} and ${minimum - 0.001} fall short`, () => {
      assert.equal(checkCoverage(report(minimum), { tier }).ok, true);
      const short = checkCoverage(report(minimum - 0.1), { tier });
      assert.equal(short.ok, false);
      assert.deepEqual(short.shortfalls, [{ scope: 'total', actual: minimum - 0.1, minimum, files: 0 }]);
      assert.equal(checkCoverage(report(minimum - 0.001), { tier }).ok, false);
    });
  }

  it('an explicit minimum wins over the tier (the seed stage 2: 95%)', () => {
    assert.equal(checkCoverage(report(94.99), { minimum: 95, tier: 3 }).ok, false);
    assert.equal(checkCoverage(report(95), { minimum: 95, tier: 3 }).minimum, 95);
  });

  it('no minimum and no (known) tier is an error naming the choices', () => {
    assert.throws(
      () => checkCoverage(report(90), {}),
      /no coverage minimum: set minimum or a service tier \(tier 1: 80%/,
    );
    assert.throws(() => checkCoverage(report(90), { tier: 4 }), /; got tier 4/);
  });

  const seedFiles: CoverageReport['files'] = [
    { path: 'app/core/money.py', lines: 98, covered: 49, total: 50 },
    { path: 'app/core/pack.py', lines: 98, covered: 49, total: 50 },
    { path: 'app/services/pricing.py', lines: 95, covered: 95, total: 100 },
    { path: 'app/api/routes.py', lines: 89.9, covered: 899, total: 1000 },
  ];
  const seedPaths = [
    { path: 'app/core/', minimum: 98 },
    { path: 'app/services/', minimum: 95 },
    { path: 'app/api/', minimum: 90 },
  ];

  it('per-path floors at their edges (seed: core 98, services 95, api 90), with a readable table', () => {
    const check = checkCoverage(report(95.5, seedFiles), { minimum: 95, paths: seedPaths });
    assert.equal(check.ok, false);
    assert.deepEqual(check.shortfalls, [{ scope: 'app/api/', actual: 89.9, minimum: 90, files: 1 }]);
    assert.equal(
      check.table,
      [
        'scope          files  lines  minimum',
        'total          4      95.5%  95%      ✔',
        'app/core/      2      98%    98%      ✔',
        'app/services/  1      95%    95%      ✔',
        'app/api/       1      89.9%  90%      ✖ short',
      ].join('\n'),
    );
    const fixed = seedFiles.map((f) =>
      f.path === 'app/api/routes.py' ? { ...f, lines: 90, covered: 900 } : f,
    );
    assert.equal(checkCoverage(report(95.5, fixed), { minimum: 95, paths: seedPaths }).ok, true);
  });

  it('a floor that matches no file is a shortfall, not a pass', () => {
    const check = checkCoverage(report(100, seedFiles), {
      tier: 1,
      paths: [{ path: 'app/cor/', minimum: 98 }],
    });
    assert.deepEqual(check.shortfalls, [{ scope: 'app/cor/', actual: undefined, minimum: 98, files: 0 }]);
    assert.match(check.table, /app\/cor\/ +0 +no files +98% +✖ short/);
  });

  it('averages percentages when a file has no line counts', () => {
    const files = [
      { path: 'src/a.js', lines: 100 },
      { path: 'src/b.js', lines: 50 },
    ];
    const check = checkCoverage(report(75, files), { tier: 2, paths: [{ path: 'src/', minimum: 76 }] });
    assert.deepEqual(check.shortfalls, [{ scope: 'src/', actual: 75, minimum: 76, files: 2 }]);
  });

  it('floors on a real report: Istanbul absolute paths match a relative prefix or a glob', () => {
    const r = parseCoverage('istanbul', read('vitest-istanbul-coverage-summary.json'), 'i');
    const check = checkCoverage(r, {
      minimum: 40,
      paths: [
        { path: 'src/format.js', minimum: 72.72 },
        { path: 'src/*.js', minimum: 41.5 },
      ],
    });
    assert.deepEqual(
      check.shortfalls.map((s) => s.scope),
      ['src/*.js'],
    );
  });
});

describe('pathMatches', () => {
  it('matches a prefix at the start or after a slash, a glob anywhere, backslashes as slashes', () => {
    assert.ok(pathMatches('app/core/x.py', 'app/core/'));
    assert.ok(pathMatches('/repo/app/core/x.py', 'app/core/'));
    assert.ok(!pathMatches('/repo/myapp/core/x.py', 'app/core/'));
    assert.ok(pathMatches('app\\core\\x.py', 'app/core/'));
    assert.ok(pathMatches('app/core/deep/x.py', 'app/core/**'));
    assert.ok(pathMatches('/abs/app/core/x.py', 'app/*/x.py'));
    assert.ok(!pathMatches('app/api/x.py', 'app/core/**'));
  });

  it('formatPct truncates so 79.999 never reads as 80', () => {
    assert.equal(formatPct(79.999), '79.99');
    assert.equal(formatPct(80), '80');
  });
});

describe('coverage reports that used to be misread', () => {
  it('lcov naming the same source twice merges its lines instead of adding the records up', () => {
    const text = [
      'SF:src/a.ts',
      'DA:1,1',
      'DA:2,0',
      'LF:2',
      'LH:1',
      'end_of_record',
      'SF:src/a.ts',
      'DA:1,0',
      'DA:2,0',
      'DA:3,0',
      'DA:4,0',
      'LF:4',
      'LH:0',
      'end_of_record',
      '',
    ].join('\n');
    const r = parseLcov(text, 'lcov.info');
    assert.equal(r.total.lines, 25);
    assert.deepEqual(r.files, [{ path: 'src/a.ts', lines: 25, covered: 1, total: 4 }]);
    const twice = parseLcov(
      'SF:b\nDA:1,1\nDA:2,0\nend_of_record\nSF:b\nDA:1,0\nDA:2,1\nend_of_record\n',
      'l',
    );
    assert.equal(twice.total.lines, 100);
  });

  it('lcov DA with a count that is not a number is an error naming the line', () => {
    assert.throws(
      () => parseLcov('SF:a\nDA:1,abc\nend_of_record\n', 'lcov.info'),
      /^Error: lcov\.info:2: DA is "1,abc", expected line,count/,
    );
  });

  it('Cobertura line-rate="2.5" is refused, not read as 250 %', () => {
    assert.throws(
      () => parseCoverage('cobertura', '<coverage line-rate="2.5"><packages/></coverage>', 'cobertura.xml'),
      /cobertura\.xml: <coverage> line-rate="2.5" is not a rate between 0 and 1/,
    );
    assert.throws(
      () =>
        parseCoverage(
          'cobertura',
          '<coverage lines-covered="12" lines-valid="10"><packages/></coverage>',
          'c.xml',
        ),
      /lines-covered="12" is not between 0 and lines-valid="10"/,
    );
  });
});
