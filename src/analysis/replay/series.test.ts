import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseSeries, SeriesError } from './series.ts';

const FIXTURES = new URL('../../../test/fixtures/analysis/', import.meta.url);
const json = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const T = Date.parse('2026-03-02T10:00:00Z');

const matrix = (...series: [Record<string, string>, [number, string][]][]) => ({
  status: 'success',
  data: { resultType: 'matrix', result: series.map(([metric, values]) => ({ metric, values })) },
});

describe('parseSeries', () => {
  it('reads points with ISO times or unix seconds, values as written, errors as errors', () => {
    const series = parseSeries(
      {
        'error-rate': [
          { at: '2026-03-02T10:00:00Z', value: 0.004 },
          { at: 1772445660, value: [0.005] },
          { at: '2026-03-02T11:02:00+01:00', error: 'cannot reach prometheus' },
        ],
        'golden-path': [{ at: '2026-03-02T10:00:00Z', value: 'pass' }],
      },
      'incident.json',
    );
    assert.deepEqual(series['error-rate'], [
      { at: T, value: 0.004 },
      { at: T + 60_000, value: [0.005] },
      { at: T + 120_000, error: 'cannot reach prometheus' },
    ]);
    assert.deepEqual(series['golden-path'], [{ at: T, value: 'pass' }]);
  });

  it('reads NaN and infinities as Prometheus and stored measurements write them', () => {
    const series = parseSeries(
      {
        m: [
          { at: 0, value: 'NaN' },
          { at: 1, value: '+Inf' },
          { at: 2, value: ['-Inf', 1] },
        ],
      },
      'f',
    );
    assert.ok(Number.isNaN(series['m']?.[0]?.value));
    assert.equal(series['m']?.[1]?.value, Infinity);
    assert.deepEqual(series['m']?.[2]?.value, [-Infinity, 1]);
  });

  it('reads a range-query answer: one series gives numbers', () => {
    const series = parseSeries(
      {
        'error-rate': matrix([
          {},
          [
            [1772445600, '0.01'],
            [1772445605.5, 'NaN'],
          ],
        ]),
      },
      'f',
    );
    assert.equal(series['error-rate']?.[0]?.value, 0.01);
    assert.equal(series['error-rate']?.[1]?.at, T + 5500);
    assert.ok(Number.isNaN(series['error-rate']?.[1]?.value));
  });

  it('reads a range-query answer: several series give a list per instant, in result order', () => {
    const series = parseSeries(
      {
        m: matrix(
          [
            { version: 'a' },
            [
              [1772445600, '1'],
              [1772445605, '2'],
            ],
          ],
          [{ version: 'b' }, [[1772445605, '3']]],
        ),
      },
      'f',
    );
    assert.deepEqual(series['m'], [
      { at: T, value: [1] },
      { at: T + 5000, value: [2, 3] },
    ]);
  });

  it('reads the range-query answers captured from a real Prometheus', () => {
    const series = parseSeries(
      json('canary-5pct-errors.query_range.json'),
      'canary-5pct-errors.query_range.json',
    );
    assert.deepEqual(Object.keys(series), ['error-rate', 'latency-p95']);
    assert.equal(series['error-rate']?.length, 13);
    assert.equal(series['error-rate']?.[0]?.value, 0);
    assert.ok((series['error-rate']?.at(-1)?.value as number) > 0.05);
  });

  it('names the file and field of every kind of mistake', () => {
    const cases: [unknown, string][] = [
      [[], 'f.json: expected a map of metric names to recorded points or a range-query answer'],
      [{ m: [] }, 'f.json: m: expected a non-empty list of { at, value } points or a range-query answer'],
      [
        { m: [{ at: 'yesterday', value: 1 }] },
        'f.json: m[0].at: expected an ISO 8601 time with Z or an offset, or unix seconds, got "yesterday"',
      ],
      [
        { m: [{ at: '2026-03-02T10:00:00', value: 1 }] },
        'f.json: m[0].at: expected an ISO 8601 time with Z or an offset, or unix seconds, got "2026-03-02T10:00:00"',
      ],
      [
        { m: [{ at: 0, value: 1, error: 'x' }] },
        'f.json: m[0]: a point needs exactly one of value or error (a string)',
      ],
      [{ m: [{ at: 0 }] }, 'f.json: m[0]: a point needs exactly one of value or error (a string)'],
      [{ m: [{ at: 0, vaule: 1 }] }, 'f.json: m[0].vaule: unknown key; a point has at and value (or error)'],
      [
        {
          m: [
            { at: 5, value: 1 },
            { at: 5, value: 2 },
          ],
        },
        'f.json: m[1].at: points must be in ascending time order, without repeats',
      ],
      [
        { m: { status: 'success', data: { resultType: 'vector', result: [] } } },
        'f.json: m: expected a Prometheus range-query answer ({"status":"success","data":{"resultType":"matrix",...}})',
      ],
      [{ m: matrix() }, 'f.json: m: the range query returned no series, so there is nothing to replay'],
      [{ m: matrix([{}, [[1, 'fast']]]) }, 'f.json: m.data.result[0].values[0]: "fast" is not a number'],
    ];
    for (const [data, message] of cases) {
      assert.throws(
        () => parseSeries(data, 'f.json'),
        (err: unknown) => {
          assert.ok(err instanceof SeriesError);
          assert.equal(err.message, message);
          return true;
        },
      );
    }
  });
});

describe('parseSeries: both versions’ counters (a judged metric’s stored samples)', () => {
  const scrape = (s: number, requests: number, errors: number) => ({
    at: new Date(T + s * 1000).toISOString(),
    requests,
    errors,
  });

  it('pairs the canary’s and stable’s scrapes into one point each', () => {
    const series = parseSeries(
      {
        errors: {
          canary: [
            scrape(0, 0, 0),
            {
              ...scrape(1, 100, 20),
              buckets: [
                [0.05, 90],
                [null, 100],
              ],
            },
          ],
          stable: [scrape(0, 0, 0), scrape(1, 100, 1)],
        },
      },
      'recorded.json',
    );
    assert.deepEqual(series['errors'], [
      { at: T, value: { canary: { requests: 0, errors: 0 }, stable: { requests: 0, errors: 0 } } },
      {
        at: T + 1000,
        value: {
          canary: {
            requests: 100,
            errors: 20,
            buckets: [
              [0.05, 90],
              [null, 100],
            ],
          },
          stable: { requests: 100, errors: 1 },
        },
      },
    ]);
  });

  it('reads Prometheus range answers per version, one per counter query, buckets by le', () => {
    const t = T / 1000;
    const version = (errors: string) => ({
      requests: matrix([
        {},
        [
          [t, '0'],
          [t + 1, '100'],
        ],
      ]),
      errors: matrix([
        {},
        [
          [t, '0'],
          [t + 1, errors],
        ],
      ]),
      buckets: matrix(
        [
          { le: '+Inf' },
          [
            [t, '0'],
            [t + 1, '100'],
          ],
        ],
        [
          { le: '0.05' },
          [
            [t, '0'],
            [t + 1, '90'],
          ],
        ],
      ),
    });
    const series = parseSeries({ errors: { canary: version('20'), stable: version('1') } }, 'prom.json');
    assert.deepEqual(series['errors']?.[1], {
      at: T + 1000,
      value: {
        canary: {
          requests: 100,
          errors: 20,
          buckets: [
            [0.05, 90],
            [null, 100],
          ],
        },
        stable: {
          requests: 100,
          errors: 1,
          buckets: [
            [0.05, 90],
            [null, 100],
          ],
        },
      },
    });
    assert.throws(
      () =>
        parseSeries(
          { errors: { canary: { requests: version('1').requests }, stable: version('1') } },
          'p.json',
        ),
      /p\.json: errors\.canary\.errors: expected a range-query answer/,
    );
  });

  it('names the field when the versions were not scraped together or a count is wrong', () => {
    assert.throws(
      () => parseSeries({ errors: { canary: [scrape(0, 0, 0)], stable: [scrape(1, 0, 0)] } }, 'r.json'),
      new SeriesError(
        'r.json',
        ['errors', 'stable', 0, 'at'],
        'both versions must be scraped at the same instants',
      ),
    );
    assert.throws(
      () => parseSeries({ errors: { canary: [scrape(0, -1, 0)], stable: [scrape(0, 0, 0)] } }, 'r.json'),
      /r\.json: errors\.canary\[0\]\.requests: expected a count, got -1/,
    );
    assert.throws(
      () => parseSeries({ errors: { canary: [scrape(0, 0, 0)], stable: [] } }, 'r.json'),
      /both versions need the same scrapes: 1 canary, 0 stable/,
    );
  });
});
