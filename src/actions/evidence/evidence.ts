import type { Action, EvidenceValue } from '../action.ts';

/** `uses: evidence` — records typed facts given in `with:` (e.g. `golden_path: pass`). */
export const evidence: Action = {
  name: 'evidence',
  description: 'record typed facts for gates to read',
  inputs: {
    type: 'object',
    minProperties: 1,
    propertyNames: { pattern: '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$' },
    additionalProperties: { type: ['string', 'number', 'boolean'] },
  },
  async run(ctx) {
    const facts: Record<string, EvidenceValue> = {};
    for (const [key, value] of Object.entries(ctx.inputs)) {
      facts[key] = value as EvidenceValue;
      ctx.log(`${key} = ${JSON.stringify(value)}`);
    }
    return { ok: true, evidence: facts };
  },
};
