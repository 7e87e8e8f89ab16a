import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonPath, selectJsonPath } from './json-path.ts';

describe('parseJsonPath', () => {
  it('reads fields, quoted fields and indexes, with or without Kubernetes braces', () => {
    assert.deepEqual(parseJsonPath('$'), []);
    assert.deepEqual(parseJsonPath('$.status'), ['status']);
    assert.deepEqual(parseJsonPath('$.data.items[0].value'), ['data', 'items', 0, 'value']);
    assert.deepEqual(parseJsonPath('{$.data.ok}'), ['data', 'ok']);
    assert.deepEqual(parseJsonPath(`$['data']["success-rate"][12]`), ['data', 'success-rate', 12]);
  });

  it('refuses what the subset does not have, naming the part', () => {
    assert.deepEqual(parseJsonPath('data.ok'), { error: 'jsonPath must start with $, got "data.ok"' });
    for (const path of ['$..value', '$.items[*]', '$.items[-1]', '$.a[?(@.x)]', '$.']) {
      const parsed = parseJsonPath(path);
      assert.ok(!Array.isArray(parsed), path);
      assert.match(parsed.error, /unsupported part/);
    }
  });
});

describe('selectJsonPath', () => {
  const doc = { status: 'ok', data: { items: [{ value: 0.2 }], ok: false, nothing: null } };

  it('finds values of any type, false and null included', () => {
    assert.deepEqual(selectJsonPath(doc, ['data', 'items', 0, 'value']), { found: true, value: 0.2 });
    assert.deepEqual(selectJsonPath(doc, ['data', 'ok']), { found: true, value: false });
    assert.deepEqual(selectJsonPath(doc, ['data', 'nothing']), { found: true, value: null });
    assert.deepEqual(selectJsonPath(doc, []), { found: true, value: doc });
  });

  it('says where the path stopped matching', () => {
    assert.deepEqual(selectJsonPath(doc, ['data', 'items', 3]), { found: false, missing: '$.data.items[3]' });
    assert.deepEqual(selectJsonPath(doc, ['status', 'code']), { found: false, missing: '$.status.code' });
    assert.deepEqual(selectJsonPath(doc, ['data', 0]), { found: false, missing: '$.data[0]' });
  });

  it('never reads inherited properties', () => {
    assert.deepEqual(selectJsonPath(doc, ['constructor']), { found: false, missing: '$.constructor' });
    assert.deepEqual(selectJsonPath(doc, ['data', 'items', 'length']), {
      found: false,
      missing: '$.data.items.length',
    });
  });
});
