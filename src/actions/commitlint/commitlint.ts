import type { Action } from '../action.ts';
import { DEFAULT_TYPES, lintMessage } from './conventional.ts';

/** `uses: commitlint` — checks the run's commit message against Conventional Commits, no shell involved. */
export const commitlint: Action = {
  name: 'commitlint',
  description: 'check the commit message against Conventional Commits',
  inputs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      message: { type: 'string', description: 'the message to check (default: the run commit message)' },
      types: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, minItems: 1 },
      'header-max-length': { type: 'integer', minimum: 20 },
    },
  },
  async run(ctx) {
    const message = String(ctx.inputs['message'] ?? ctx.expressions.message ?? '');
    const types = (ctx.inputs['types'] as string[] | undefined) ?? DEFAULT_TYPES;
    const headerMaxLength = Number(ctx.inputs['header-max-length'] ?? 100);
    const result = lintMessage(message, { types, headerMaxLength });
    if (!result.ok) {
      for (const p of result.problems) ctx.log(`✖ ${p}`);
      return {
        ok: false,
        reason: `commit message is not a Conventional Commit: ${result.problems[0]}`,
        evidence: { 'commit.conventional': false },
      };
    }
    if (result.ignored) {
      ctx.log('merge, revert or fixup commit: not checked');
      return { ok: true, evidence: { 'commit.conventional': true } };
    }
    const h = result.header;
    ctx.log(
      `✔ ${h?.type}${h?.scope ? `(${h.scope})` : ''}${h?.breaking ? ' (breaking)' : ''}: ${h?.subject}`,
    );
    return {
      ok: true,
      outputs: { type: h?.type ?? '', scope: h?.scope ?? '', breaking: String(h?.breaking ?? false) },
      evidence: { 'commit.conventional': true },
    };
  },
};
