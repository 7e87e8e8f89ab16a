import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSampleValue, readQueryAnswer } from './prometheus-response.ts';

const vector = (...values: string[]) =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1767436620, v] })) },
  });

describe('parseSampleValue', () => {
  it('reads decimals and the special values Prometheus writes', () => {
    assert.equal(parseSampleValue('0.0125'), 0.0125);
    assert.equal(parseSampleValue('-3e-2'), -0.03);
    assert.equal(parseSampleValue('42'), 42);
    assert.equal(parseSampleValue('+Inf'), Infinity);
    assert.equal(parseSampleValue('-Inf'), -Infinity);
    assert.ok(Number.isNaN(parseSampleValue('NaN')));
  });

  it('refuses text that is not a number instead of guessing', () => {
    for (const text of ['', ' ', 'nan', 'Infinity', '0x10', '1,5', 'true']) {
      assert.equal(parseSampleValue(text), undefined, text);
    }
  });
});

describe('readQueryAnswer', () => {
  it('on an empty vector suggests `or vector(0)` only when the query does not filter by comparison', () => {
    const plain = readQueryAnswer(200, vector(), 'sum(rate(http_requests_total{code=~"5.."}[1m]))');
    assert.ok('error' in plain && plain.error.includes('or vector(0)'), JSON.stringify(plain));
    const seed = 'sum(rate(pricing_pack_build_failures_total[1m])) == 0';
    const filtered = readQueryAnswer(200, vector(), seed);
    assert.ok('error' in filtered, JSON.stringify(filtered));
    assert.ok(!filtered.error.includes('append `or vector(0)` to the query'), filtered.error);
    assert.match(filtered.error, /`== 0` drops every series where it is false/);
    assert.match(filtered.error, /`== bool 0`/);
    const labelsOnly = readQueryAnswer(200, vector(), 'up{job!="x",env=~"a|b"}');
    assert.ok('error' in labelsOnly && labelsOnly.error.includes('or vector(0)'));
    const asBool = readQueryAnswer(200, vector(), 'x > bool 1');
    assert.ok('error' in asBool && asBool.error.includes('or vector(0)'));
  });

  it('keeps warnings beside the value', () => {
    const body = JSON.stringify({ ...JSON.parse(vector('1')), warnings: ['partial response'] });
    assert.deepEqual(readQueryAnswer(200, body), { value: 1, labels: [{}], warnings: ['partial response'] });
  });

  it('names the sample whose value is not a number', () => {
    assert.deepEqual(readQueryAnswer(200, vector('1', 'oops')), {
      error: 'prometheus answer is malformed: vector sample 1 value "oops" is not a number',
    });
  });

  it('treats a 2xx JSON body that is not the API envelope as malformed', () => {
    for (const body of [
      '[]',
      '{"status":"pending"}',
      '{"status":"success"}',
      '{"status":"success","data":{}}',
    ]) {
      const m = readQueryAnswer(200, body);
      assert.ok('error' in m, body);
      assert.match(m.error, /^prometheus answer is malformed/);
    }
  });

  it('reports a non-2xx JSON body that is not an error envelope by its status', () => {
    assert.deepEqual(readQueryAnswer(503, '{"message":"overloaded"}'), {
      error: 'prometheus answered HTTP 503',
    });
  });

  it('reports an error envelope even when it comes with HTTP 200', () => {
    const body =
      '{"status":"error","errorType":"execution","error":"query processing would load too many samples"}';
    assert.deepEqual(readQueryAnswer(200, body), {
      error: 'prometheus query failed (HTTP 200, execution): query processing would load too many samples',
    });
  });

  it('keeps a label called __proto__ as a plain label', () => {
    const body =
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__proto__":"x"},"value":[1,"2"]}]}}';
    const m = readQueryAnswer(200, body);
    assert.ok('labels' in m);
    assert.equal(Object.getPrototypeOf(m.labels?.[0]), Object.prototype);
    assert.deepEqual(Object.keys(m.labels?.[0] ?? {}), ['__proto__']);
  });
});
