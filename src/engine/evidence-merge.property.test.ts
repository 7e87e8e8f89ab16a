import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { EvidenceValue } from '../actions/action.ts';
import { effectiveWrites, worstOf } from './evidence-merge.ts';

/** Replays writes from steps in order, as the engine records them; returns value and writer per key. */
function replay(writes: { step: string; key: string; value: EvidenceValue }[]) {
  const held: Record<string, EvidenceValue> = {};
  const from: Record<string, string> = {};
  for (const w of writes) {
    const kept = effectiveWrites(held, { [w.key]: w.value });
    for (const [k, v] of Object.entries(kept)) {
      held[k] = v;
      from[k] = w.step;
    }
  }
  return { held, from };
}

const keys = fc.constantFrom('sarif.high', 'secrets.found', 'coverage.lines', 'tests.failed', 'grade');
const writes = fc.array(
  fc.record({ step: fc.constantFrom('a/x', 'b/y', 'c/z'), key: keys, value: fc.nat(1000) }),
  { maxLength: 30 },
);

test('problem counts keep the worst value written, whatever the order, with the step that wrote it', () => {
  fc.assert(
    fc.property(writes, (ws) => {
      const { held, from } = replay(ws);
      for (const key of new Set(ws.map((w) => w.key))) {
        const values = ws.filter((w) => w.key === key).map((w) => w.value as number);
        const rule = worstOf(key);
        const expected =
          rule === 'max' ? Math.max(...values) : rule === 'min' ? Math.min(...values) : values.at(-1);
        assert.equal(held[key], expected, key);
        const writer = rule
          ? ws.find((w) => w.key === key && w.value === expected)
          : ws.findLast((w) => w.key === key);
        assert.equal(from[key], writer?.step, `${key} keeps the step that first wrote its worst value`);
      }
    }),
    { numRuns: 500 },
  );
});

test('a clean scan after one with 3 high findings leaves 3; a later text value of a count changes nothing', () => {
  assert.deepEqual(effectiveWrites({ 'sarif.high': 3 }, { 'sarif.high': 0, grade: 'A' }), { grade: 'A' });
  assert.deepEqual(effectiveWrites({ 'sarif.high': 3 }, { 'sarif.high': 'none' }), {});
  assert.deepEqual(effectiveWrites({ 'coverage.lines': 60 }, { 'coverage.lines': 100 }), {});
  assert.deepEqual(effectiveWrites({}, { 'sarif.high': 0 }), { 'sarif.high': 0 });
});
