import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCondition, evaluateCondition, formatValue, jsonSafe, judge } from './conditions.ts';

describe('conditions on vectors, scalars and strings', () => {
  it('a one-element vector reads as its element: result < 0.02 on [0.01]', () => {
    assert.equal(evaluateCondition('result < 0.02', [0.01]), true);
    assert.equal(evaluateCondition('result < 0.02', [0.03]), false);
    assert.equal(evaluateCondition('result == 0.01', [0.01]), true);
  });

  it('Argo-style indexing works on vectors, and on a single sample reported as a plain number', () => {
    assert.equal(evaluateCondition('result[0] < 0.02', [0.01]), true);
    assert.equal(evaluateCondition('result[0] < 0.02', 0.01), true);
    assert.equal(evaluateCondition('size(result) == 1', 0.01), true);
    assert.equal(evaluateCondition('result[1] > 1.0', [0.5, 2]), true);
  });

  it('only a list of one number is unwrapped: a list of one string keeps its list size', () => {
    assert.equal(evaluateCondition('size(result) == 1', ['pass']), true);
    assert.equal(evaluateCondition('result[0] == "pass"', ['pass']), true);
  });

  it('size() and len() see the vector itself', () => {
    assert.equal(evaluateCondition('size(result) == 1', [0.5]), true);
    assert.equal(evaluateCondition('len(result) == 0 || result[0] >= 0.95', []), true);
  });

  it('a scalar comparison on a vector of several series is an error, not a guess', () => {
    assert.throws(() => evaluateCondition('result < 0.02', [0.01, 0.02]), /no such overload/);
  });

  it('numbers compare across int and double: result == 200 for an HTTP status', () => {
    assert.equal(evaluateCondition('result == 200', 200), true);
    assert.equal(evaluateCondition('result == 200', 503), false);
  });

  it('a numeric string output reads as a number where the condition compares with a number', () => {
    const job = judge({ value: '0.001' }, { successCondition: 'result < 0.02' });
    assert.equal(job.phase, 'successful', job.message);
    assert.equal(judge({ value: '0.5' }, { successCondition: 'result < 0.02' }).phase, 'failed');
    assert.equal(evaluateCondition('result == 1', ' 1 '), true);
    assert.equal(evaluateCondition('result == "1"', '1'), true);
    assert.equal(evaluateCondition('result.startsWith("0.")', '0.001'), true);
    assert.equal(judge({ value: 'pass' }, { successCondition: 'result < 0.02' }).phase, 'error');
  });

  it('strings compare as strings: result == "pass"', () => {
    assert.equal(evaluateCondition('result == "pass"', 'pass'), true);
    assert.equal(evaluateCondition('result == "pass"', 'fail'), false);
  });

  it('maps from a web jsonPath-less body are readable by field', () => {
    assert.equal(
      evaluateCondition('result.status == "ok" && result.checks > 2', { status: 'ok', checks: 3 }),
      true,
    );
  });

  it('helpers: asFloat, asInt, default, isNil, isNaN, isInf', () => {
    assert.equal(evaluateCondition('asFloat(result) < 0.5', '0.25'), true);
    assert.equal(evaluateCondition('asInt(result) == 3', '3'), true);
    assert.equal(evaluateCondition('default(result, 0) < 0.05', null), true);
    assert.equal(evaluateCondition('isNil(result)', null), true);
    assert.equal(evaluateCondition('isNaN(result)', NaN), true);
    assert.equal(evaluateCondition('isInf(result)', Infinity), true);
  });

  it('a condition that is not true or false is an error', () => {
    assert.throws(() => evaluateCondition('result', 1), /expected true or false/);
  });
});

describe('checkCondition', () => {
  it('accepts boolean and dynamic conditions', () => {
    assert.equal(checkCondition('result < 0.02'), undefined);
    assert.equal(checkCondition('result'), undefined);
  });

  it('names syntax errors, unknown variables and non-boolean types', () => {
    assert.match(checkCondition('result <') ?? '', /Unexpected token/);
    assert.match(checkCondition('foo < 1') ?? '', /Unknown variable: foo/);
    assert.match(checkCondition('"yes"') ?? '', /must be true or false, but this is a string/);
  });
});

describe('judge (Argo phase rules)', () => {
  const success = { successCondition: 'result < 0.02' };
  const failure = { failureCondition: 'result > 0.1' };
  const both = { ...success, ...failure };

  it('only a success condition: true is successful, false is failed', () => {
    assert.equal(judge({ value: 0.01 }, success).phase, 'successful');
    assert.equal(judge({ value: 0.03 }, success).phase, 'failed');
  });

  it('only a failure condition: true is failed, false is successful', () => {
    assert.equal(judge({ value: 0.2 }, failure).phase, 'failed');
    assert.equal(judge({ value: 0.05 }, failure).phase, 'successful');
  });

  it('both: failure wins, success alone succeeds, neither is inconclusive', () => {
    assert.equal(judge({ value: 0.2 }, both).phase, 'failed');
    assert.equal(judge({ value: 0.01 }, both).phase, 'successful');
    assert.equal(judge({ value: 0.05 }, both).phase, 'inconclusive');
    assert.equal(
      judge({ value: 0.01 }, { successCondition: 'true', failureCondition: 'true' }).phase,
      'failed',
    );
  });

  it('no conditions: successful (Argo records the value)', () => {
    assert.equal(judge({ value: 42 }, {}).phase, 'successful');
  });

  it('a provider error stays an error with its message', () => {
    assert.deepEqual(judge({ error: 'connection refused' }, success), {
      phase: 'error',
      message: 'connection refused',
    });
  });

  it('a condition that cannot be evaluated is an error; an empty result says there was no data', () => {
    const empty = judge({ value: [] }, success);
    assert.equal(empty.phase, 'error');
    assert.match(empty.message, /no data: the provider returned an empty result/);
    assert.match(
      judge({ value: 'abc' }, success).message,
      /could not evaluate successCondition result < 0.02/,
    );
  });

  it('NaN: comparisons are false, so success-only fails and both-conditions is inconclusive (as Argo)', () => {
    assert.equal(judge({ value: NaN }, success).phase, 'failed');
    assert.equal(judge({ value: NaN }, both).phase, 'inconclusive');
    assert.equal(
      judge({ value: [NaN] }, { successCondition: 'isNaN(result) || result < 0.02' }).phase,
      'successful',
    );
  });

  it('+Inf compares as infinity', () => {
    assert.equal(judge({ value: Infinity }, { successCondition: 'result >= 0.95' }).phase, 'successful');
    assert.equal(judge({ value: Infinity }, { failureCondition: 'isInf(result)' }).phase, 'failed');
  });

  it('the message says which condition decided and on what value', () => {
    assert.equal(judge({ value: [0.031] }, success).message, 'result < 0.02 is false for [0.031]');
    assert.equal(judge({ value: 0.2 }, both).message, 'failure condition result > 0.1 holds for 0.2');
  });
});

describe('values in explanations and state', () => {
  it('formats numbers to 4 significant digits and non-finite ones as Prometheus does', () => {
    assert.equal(formatValue(0.0312345), '0.03123');
    assert.equal(formatValue([NaN, Infinity, -Infinity]), '[NaN, +Inf, -Inf]');
    assert.equal(formatValue('pass'), '"pass"');
  });

  it('jsonSafe keeps NaN and infinities through JSON', () => {
    const value = jsonSafe({ a: [NaN, 1, Infinity], b: 2n, c: undefined });
    assert.deepEqual(JSON.parse(JSON.stringify(value)), { a: ['NaN', 1, '+Inf'], b: 2, c: null });
  });
});
