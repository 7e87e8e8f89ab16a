import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeSummaries, parseJUnit, parseJUnitFiles } from './junit.ts';

const FIXTURES = new URL('../../../test/fixtures/junit/', import.meta.url);
const path = (name: string): string => new URL(name, FIXTURES).pathname;
const read = (name: string): string => readFileSync(path(name), 'utf8');

describe('parseJUnit on real reports', () => {
  const cases: [string, number, number, number, number, number][] = [
    // file, tests, passed, failed, errored, skipped
    ['gitleaks-junit-empty.xml', 0, 0, 0, 0, 0],
    ['gitleaks-junit-simple.xml', 2, 0, 2, 0, 0],
    ['go-junit-report-panic-errors.xml', 2, 0, 0, 2, 0],
    ['go-junit-report-pass-fail-skip.xml', 5, 2, 1, 0, 2],
    ['go-junit-report-subtests.xml', 11, 6, 4, 0, 1],
    ['jest-junit-failures.xml', 6, 1, 4, 0, 1],
    ['jest-junit-suite-failed-to-run.xml', 2, 0, 0, 2, 0],
    ['pytest-junitxml.xml', 10, 6, 2, 0, 2],
    ['testng-surefire-style-TEST-pulsar.xml', 2, 0, 1, 0, 1],
    ['trivy-alpine-310-junit.xml', 4, 0, 4, 0, 0],
  ];
  for (const [file, tests, passed, failed, errored, skipped] of cases) {
    it(`${file}: ${tests} tests, ${passed} passed, ${failed} failed, ${errored} errored, ${skipped} skipped`, () => {
      const s = parseJUnit(read(file), file);
      assert.deepEqual(
        { tests: s.tests, passed: s.passed, failed: s.failed, errored: s.errored, skipped: s.skipped },
        { tests, passed, failed, errored, skipped },
      );
      assert.deepEqual(s.flaky, []);
    });
  }

  it('counts test cases, not the suite attributes (pytest says tests="15", jest says tests="0")', () => {
    assert.equal(parseJUnit(read('pytest-junitxml.xml'), 'p').tests, 10);
    assert.equal(parseJUnit(read('jest-junit-suite-failed-to-run.xml'), 'j').tests, 2);
  });

  it('lists the slowest test cases, slowest first, named classname › name', () => {
    assert.deepEqual(parseJUnit(read('go-junit-report-pass-fail-skip.xml'), 'g').slowest, [
      { name: 'package/fail › TestOne', seconds: 0.151 },
      { name: 'package/skip › TestSkipNow', seconds: 0.13 },
      { name: 'package/pass › TestPassLog', seconds: 0.1 },
      { name: 'package/pass › TestPass', seconds: 0.06 },
      { name: 'package/skip › TestSkip', seconds: 0.02 },
    ]);
    assert.equal(parseJUnit(read('jest-junit-failures.xml'), 'j').slowest[0]?.name, 'Timeout test');
  });

  it('ignores empty time attributes (trivy, gitleaks)', () => {
    assert.deepEqual(parseJUnit(read('trivy-alpine-310-junit.xml'), 't').slowest, []);
  });

  it('adds several files up, keeping the overall slowest', () => {
    const s = parseJUnitFiles([path('pytest-junitxml.xml'), path('go-junit-report-pass-fail-skip.xml')]);
    assert.deepEqual(
      { tests: s.tests, passed: s.passed, failed: s.failed, skipped: s.skipped },
      { tests: 15, passed: 8, failed: 3, skipped: 4 },
    );
    assert.equal(s.slowest[0]?.seconds, 0.151);
    assert.deepEqual(mergeSummaries([]).tests, 0);
  });
});

describe('parseJUnit flaky tests (hand-written Surefire rerun shapes)', () => {
  const surefire = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.ShopTest" tests="4" failures="1" errors="0" skipped="0" flakes="2">
  <testcase name="passesOnRerun" classname="com.example.ShopTest" time="1.5">
    <flakyFailure message="boom" type="java.lang.AssertionError"><stackTrace>at x</stackTrace></flakyFailure>
  </testcase>
  <testcase name="errorThenPass" classname="com.example.ShopTest" time="0.2">
    <flakyError message="timeout" type="java.net.SocketTimeoutException"/>
  </testcase>
  <testcase name="alwaysFails" classname="com.example.ShopTest" time="0.3">
    <failure message="nope" type="java.lang.AssertionError"/>
    <rerunFailure message="nope" type="java.lang.AssertionError"/>
  </testcase>
  <testcase name="steady" classname="com.example.ShopTest" time="0.1"/>
</testsuite>`;

  it('counts flakyFailure/flakyError as passed and flaky, rerunFailure with a failure as failed only', () => {
    const s = parseJUnit(surefire, 'TEST-com.example.ShopTest.xml');
    assert.deepEqual(
      { tests: s.tests, passed: s.passed, failed: s.failed, flaky: s.flaky },
      {
        tests: 4,
        passed: 3,
        failed: 1,
        flaky: ['com.example.ShopTest › passesOnRerun', 'com.example.ShopTest › errorThenPass'],
      },
    );
  });

  it('reads nested testsuites', () => {
    const s = parseJUnit(
      '<testsuites><testsuite name="a"><testsuite name="b"><testcase name="t"/></testsuite></testsuite></testsuites>',
      'nested.xml',
    );
    assert.equal(s.passed, 1);
  });
});

describe('parseJUnit on broken input never passes', () => {
  it('names the file and the unclosed elements of a truncated report', () => {
    const text = read('jest-junit-failures.xml');
    assert.throws(
      () => parseJUnit(text.slice(0, text.length / 2), 'reports/jest.xml'),
      /^Error: reports\/jest\.xml: malformed XML: truncated or unclosed elements: testsuites, testsuite, testcase, failure$/,
    );
  });

  it('names the file and position of mismatched tags', () => {
    assert.throws(
      () => parseJUnit('<testsuite><testcase name="a"></testsuite>', 'bad.xml'),
      /bad\.xml: malformed XML: Expected closing tag 'testcase'.*\(line 1, column \d+\)/,
    );
  });

  it('rejects an empty file and a non-JUnit root', () => {
    assert.throws(() => parseJUnit('  \n', 'empty.xml'), /empty\.xml: empty file, expected XML/);
    assert.throws(
      () => parseJUnit('<?xml version="1.0"?><coverage line-rate="1"/>', 'cov.xml'),
      /cov\.xml: not a JUnit report, expected a <testsuites> or <testsuite> root but found <coverage>/,
    );
  });

  it('names a missing file', () => {
    assert.throws(() => parseJUnitFiles([path('nope.xml')]), /ENOENT.*nope\.xml/);
  });
});

describe('JUnit files in other encodings', () => {
  const xml =
    '<?xml version="1.0" encoding="UTF-16"?>\n<testsuite name="ü"><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite>\n';
  const dir = mkdtempSync(join(tmpdir(), 'runway-junit-'));
  const write = (name: string, bytes: Buffer) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const be = (text: string) => Buffer.from(text, 'utf16le').swap16();

  it('reads UTF-16 with a byte-order mark, little- or big-endian, and without one', () => {
    const files = [
      write('le-bom.xml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')])),
      write('be-bom.xml', Buffer.concat([Buffer.from([0xfe, 0xff]), be(xml)])),
      write('le.xml', Buffer.from(xml, 'utf16le')),
      write(
        'utf8-bom.xml',
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml.replace('UTF-16', 'UTF-8'))]),
      ),
    ];
    for (const file of files) {
      const s = parseJUnitFiles([file]);
      assert.deepEqual([s.tests, s.failed], [2, 1], file);
    }
  });

  it('a 100 MB report is refused with the limit named', () => {
    const file = write('huge.xml', Buffer.alloc(0));
    truncateSync(file, 100 * 1024 * 1024);
    assert.throws(() => parseJUnitFiles([file]), /over the limit of 16777216 bytes \(16 MiB\)/);
  });

  it('reads a declared ISO-8859-1 file and names an unknown encoding', () => {
    const latin = xml.replace('UTF-16', 'ISO-8859-1');
    assert.equal(parseJUnitFiles([write('latin1.xml', Buffer.from(latin, 'latin1'))]).tests, 2);
    assert.throws(
      () => parseJUnitFiles([write('x.xml', Buffer.from(xml.replace('UTF-16', 'x-klingon')))]),
      /x\.xml: unsupported XML encoding "x-klingon"/,
    );
  });
});
