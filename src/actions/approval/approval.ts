import { parseDuration } from '../../engine/duration.ts';
import type { Action, ActionResult } from '../action.ts';
import { identityOf, ineligibility } from './eligibility.ts';

const POLL_MS = 300;

/**
 * `uses: approval` — waits until `required` people holding one of `roles` approve (none of them
 * the commit's author), fails at the first eligible rejection or at the timeout. Verdicts live in
 * the store, so a resumed run keeps the ones already given.
 */
export const approval: Action = {
  name: 'approval',
  description: 'wait for N approvals from people in named roles',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['roles'],
    properties: {
      required: { type: 'integer', minimum: 1, maximum: 10 },
      roles: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      timeout: {
        anyOf: [
          { type: 'string', pattern: '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h|d)\\s*)+$' },
          { type: 'number', minimum: 0 },
        ],
        description: 'how long to wait (default 24h)',
      },
      message: { type: 'string', description: 'what the approvers are asked' },
      'allow-self-approval': { type: 'boolean' },
    },
  },
  check(inputs, pipeline) {
    const roles = (inputs['roles'] as string[] | undefined) ?? [];
    const unknown = roles.filter((r) => !pipeline.roles[r]);
    if (unknown.length > 0) {
      const known = Object.keys(pipeline.roles);
      return [
        {
          input: 'roles',
          message: `unknown role ${unknown.join(', ')} — expected one of: ${known.join(', ') || '(define roles: at the top of the file)'}`,
        },
      ];
    }
    const people = new Set(roles.flatMap((r) => (pipeline.roles[r] ?? []).map(identityOf)));
    const required = Number(inputs['required'] ?? 1);
    if (required > people.size) {
      return [
        {
          input: 'required',
          message: `${required} approvals are required but only ${people.size} people hold ${roles.join(' or ')}`,
        },
      ];
    }
    return [];
  },
  async run(ctx): Promise<ActionResult> {
    const roles = ctx.inputs['roles'] as string[];
    const unknown = roles.filter((r) => !ctx.run.pipeline.roles[r]);
    if (unknown.length > 0) {
      const known = Object.keys(ctx.run.pipeline.roles);
      return {
        ok: false,
        reason: `unknown role ${unknown.join(', ')}, expected one of: ${known.join(', ') || '(no roles: defined)'}`,
      };
    }
    const required = Number(ctx.inputs['required'] ?? 1);
    const timeoutMs = parseDuration((ctx.inputs['timeout'] as string | number | undefined) ?? '24h');
    const allowSelf = Boolean(ctx.inputs['allow-self-approval']);
    const author = String(ctx.expressions.author ?? '');
    const started = ctx.clock.now().getTime();
    const message = ctx.inputs['message'] ? `: ${ctx.inputs['message']}` : '';
    ctx.log(`waiting for ${required} approval(s) from ${roles.join(' or ')}${message}`);
    ctx.log(
      `approve with: runway approve ${ctx.run.id} --as <you> [--comment …]   reject with: runway reject ${ctx.run.id} --as <you> --comment …`,
    );
    const seen = new Set<string>();
    for (;;) {
      const verdicts = await ctx.store.approvals(ctx.run.id, ctx.step.key);
      const counted = verdicts.filter(
        (v) => ineligibility(ctx.run.pipeline, v.approver, roles, author, allowSelf) === undefined,
      );
      for (const v of verdicts) {
        if (seen.has(v.approver)) continue;
        seen.add(v.approver);
        const why = ineligibility(ctx.run.pipeline, v.approver, roles, author, allowSelf);
        ctx.log(
          `${v.verdict === 'approve' ? '✔' : '✖'} ${identityOf(v.approver)} ${v.verdict}s${v.comment ? `: ${v.comment}` : ''}${why ? ` (not counted: ${why})` : ''}`,
        );
      }
      const rejection = counted.find((v) => v.verdict === 'reject');
      if (rejection) {
        return {
          ok: false,
          reason: `rejected by ${identityOf(rejection.approver)}${rejection.comment ? `: ${rejection.comment}` : ''}`,
          evidence: { 'approval.granted': false },
        };
      }
      const approvers = counted.filter((v) => v.verdict === 'approve').map((v) => identityOf(v.approver));
      if (approvers.length >= required) {
        return {
          ok: true,
          outputs: { approvers: approvers.join(',') },
          evidence: { 'approval.granted': true, 'approval.count': approvers.length },
        };
      }
      if (ctx.clock.now().getTime() - started >= timeoutMs) {
        return {
          ok: false,
          reason: `no decision within ${timeoutMs / 1000}s (${approvers.length} of ${required} approvals)`,
        };
      }
      if (ctx.signal.aborted) return { ok: false, reason: 'cancelled while waiting for approval' };
      await ctx.clock.sleep(POLL_MS, ctx.signal);
    }
  },
};
