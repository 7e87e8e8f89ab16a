import type { EvidenceValue } from '../actions/action.ts';

/** How a repeated evidence key combines: the worst value wins, never simply the last one written. */
type Worst = 'max' | 'min';

const WORST: readonly [RegExp, Worst][] = [
  // counts of problems: several scans or reports add up to the worst of them
  [/^sarif\.(critical|high|medium|low)$/, 'max'],
  [/^gates\.security\.(critical_cves|high_cves|secrets_found)$/, 'max'],
  [/^secrets\.found$/, 'max'],
  [/^tests\.(failed|errored)$/, 'max'],
  [/^commits?\.invalid$/, 'max'],
  // measured quality: the lowest figure stands
  [/^coverage\.[a-z_]+$/, 'min'],
  [/^gates\.quality\.coverage$/, 'min'],
];

/** Whether a key keeps its worst value across writes, and which way is worse. */
export function worstOf(key: string): Worst | undefined {
  return WORST.find(([re]) => re.test(key))?.[1];
}

/**
 * The evidence a step's writes leave in effect, given what the run already holds: a key with a
 * worst-wins rule keeps the earlier value (and the step that wrote it) unless the new one is worse;
 * every other key takes the new value.
 * @example effectiveWrites({ 'sarif.high': 3 }, { 'sarif.high': 0 }) // {} — the 3 stands
 */
export function effectiveWrites(
  held: Readonly<Record<string, EvidenceValue>>,
  writes: Readonly<Record<string, EvidenceValue>>,
): Record<string, EvidenceValue> {
  const out: Record<string, EvidenceValue> = {};
  for (const [key, value] of Object.entries(writes)) {
    const rule = worstOf(key);
    const before = held[key];
    if (rule && typeof before === 'number' && !(typeof value === 'number' && worse(rule, value, before)))
      continue;
    out[key] = value;
  }
  return out;
}

function worse(rule: Worst, value: number, than: number): boolean {
  return rule === 'max' ? value > than : value < than;
}
