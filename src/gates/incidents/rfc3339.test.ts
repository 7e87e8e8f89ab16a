import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isGoZeroTime, parseRfc3339 } from './rfc3339.ts';

describe('parseRfc3339', () => {
  it('reads Go timestamps with nanoseconds and offsets, to the millisecond', () => {
    assert.equal(parseRfc3339('2018-11-04T22:43:58.283995108+01:00'), Date.parse('2018-11-04T21:43:58.283Z'));
    assert.equal(parseRfc3339('2018-03-07T06:33:21.873077559-05:00'), Date.parse('2018-03-07T11:33:21.873Z'));
    assert.equal(parseRfc3339('2022-07-29T11:13:27.3Z'), Date.parse('2022-07-29T11:13:27.300Z'));
    assert.equal(parseRfc3339('2020-02-29t00:00:00z'), Date.parse('2020-02-29T00:00:00Z'));
  });

  for (const bad of [
    '',
    'yesterday',
    '2018-02-30T00:00:00Z',
    '2018-13-01T00:00:00Z',
    '2018-01-01T24:00:00Z',
    '2018-01-01 00:00:00Z',
    '2018-01-01T00:00:00',
    'March 7, 2018',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.equal(parseRfc3339(bad), undefined);
    });
  }

  it("knows Go's zero time", () => {
    const zero = parseRfc3339('0001-01-01T00:00:00Z');
    assert.ok(zero !== undefined && isGoZeroTime(zero));
    assert.equal(isGoZeroTime(0), false);
  });
});
