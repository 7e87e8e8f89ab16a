import { isRecord } from './measurement.ts';

/** One step of a path: a field name or a list index. */
export type PathStep = string | number;

const STEP = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\])/;

/**
 * Parses the JSONPath subset web metrics use: `$`, `.field`, `['field']`, `[index]`, optionally in
 * Kubernetes-style braces. Returns the steps, or why the text is not such a path.
 *
 * @example parseJsonPath('{$.data.items[0].value}') // → ['data', 'items', 0, 'value']
 */
export function parseJsonPath(text: string): PathStep[] | { readonly error: string } {
  const bare = /^\{.*\}$/s.test(text.trim()) ? text.trim().slice(1, -1).trim() : text.trim();
  if (!bare.startsWith('$')) return { error: `jsonPath must start with $, got ${JSON.stringify(text)}` };
  const steps: PathStep[] = [];
  let rest = bare.slice(1);
  while (rest !== '') {
    const m = STEP.exec(rest);
    if (!m) {
      return {
        error: `jsonPath ${JSON.stringify(text)} has an unsupported part at ${JSON.stringify(rest)}; use .field, ['field'] or [index]`,
      };
    }
    steps.push(m[2] !== undefined ? Number(m[2]) : ((m[1] ?? m[3] ?? m[4]) as string));
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** The value at `steps` inside `doc`, or the path prefix where it stopped matching. */
export function selectJsonPath(
  doc: unknown,
  steps: readonly PathStep[],
): { readonly found: true; readonly value: unknown } | { readonly found: false; readonly missing: string } {
  let here: unknown = doc;
  let at = '$';
  for (const step of steps) {
    const next = typeof step === 'number' ? `${at}[${step}]` : `${at}.${step}`;
    if (
      typeof step === 'number'
        ? !Array.isArray(here) || step >= here.length
        : !isRecord(here) || !Object.hasOwn(here, step)
    ) {
      return { found: false, missing: next };
    }
    here = typeof step === 'number' ? (here as unknown[])[step] : (here as Record<string, unknown>)[step];
    at = next;
  }
  return { found: true, value: here };
}
