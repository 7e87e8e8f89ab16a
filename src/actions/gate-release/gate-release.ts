import { evaluateGate } from '../../gates/release/evaluate-gate.ts';
import { POLICY_REF_SCHEMA, policyFor, type PolicyRefConfig } from '../../gates/release/policies.ts';
import { parseWindows } from '../../gates/windows/parse.ts';
import { presetCalendars } from '../../gates/windows/presets.ts';
import type { Action } from '../action.ts';

/**
 * `uses: gate/release` — the seed's release gate: assembles the gate input from the run's evidence,
 * the deployment window and open incidents, asks the policy, stores the decision, and fails the
 * step on deny with every violation listed.
 */
export const gateRelease: Action = {
  name: 'gate/release',
  description: 'decide whether this release may go to an environment (policy, window, incidents)',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['environment'],
    properties: {
      environment: { type: 'string', enum: ['production', 'staging', 'development'] },
      window: {
        type: 'string',
        minLength: 1,
        description: 'a calendar from windows: or a preset (business-hours)',
      },
      policy: POLICY_REF_SCHEMA,
      tier: { type: 'integer', minimum: 1, maximum: 3 },
      version: { type: 'string' },
      at: { type: 'string', description: 'evaluate as of this ISO 8601 time (replays, rehearsals)' },
      input: { type: 'object', description: 'gate input fields that take precedence over evidence' },
      'in-flight': {
        type: 'string',
        enum: ['check', 'ignore'],
        description: 'check (default): refuse a rollout that would not finish before the window closes',
      },
    },
  },
  check(inputs, pipeline) {
    const problems: { input: string; message: string }[] = [];
    const window = inputs['window'] as string | undefined;
    const names = [...Object.keys(presetCalendars()), ...Object.keys(pipeline.windows)];
    if (window !== undefined && !names.includes(window)) {
      problems.push({
        input: 'window',
        message: `unknown window "${window}" — expected one of: ${names.join(', ')}`,
      });
    }
    const at = inputs['at'];
    if (typeof at === 'string' && !at.includes('${{') && Number.isNaN(new Date(at).getTime())) {
      problems.push({ input: 'at', message: `"${at}" is not an ISO 8601 time, e.g. 2026-11-24T10:00:00Z` });
    }
    const policy = inputs['policy'];
    if (policy !== undefined) {
      try {
        policyFor(policy as PolicyRefConfig, pipeline.root);
      } catch (err) {
        problems.push({ input: 'policy', message: (err as Error).message });
      }
    }
    return problems;
  },
  async run(ctx) {
    const { pipeline } = ctx.run;
    const calendars = { ...presetCalendars(), ...parseWindows(pipeline.windows) };
    const windowName = ctx.inputs['window'] as string | undefined;
    const calendar = windowName === undefined ? undefined : calendars[windowName];
    if (windowName !== undefined && !calendar) {
      return {
        ok: false,
        reason: `unknown window "${windowName}", expected one of: ${Object.keys(calendars).join(', ')}`,
      };
    }
    const atText = ctx.inputs['at'] as string | undefined;
    const at = atText === undefined ? ctx.clock.now() : new Date(atText);
    if (Number.isNaN(at.getTime())) return { ok: false, reason: `at: "${atText}" is not an ISO 8601 time` };
    const policy = policyFor(ctx.inputs['policy'] as PolicyRefConfig | undefined, pipeline.root);
    const tier = (ctx.inputs['tier'] as number | undefined) ?? pipeline.service?.tier;
    const version =
      (ctx.inputs['version'] as string | undefined) ??
      (String(ctx.expressions.sha).slice(0, 12) || undefined);
    const environment = String(ctx.inputs['environment']);
    const service = pipeline.service?.name ?? pipeline.name;
    const { decision, decisionId, opensAt } = await evaluateGate(ctx.store, {
      service,
      environment,
      ...(tier !== undefined ? { tier } : {}),
      ...(version !== undefined ? { version } : {}),
      evidence: ctx.expressions.evidence as Record<string, string | number | boolean>,
      ...(calendar ? { calendar } : {}),
      policy,
      ...(ctx.inputs['input'] ? { explicit: ctx.inputs['input'] as Record<string, unknown> } : {}),
      at,
      runId: ctx.run.id,
      stepKey: ctx.step.key,
      inFlight: (ctx.inputs['in-flight'] as 'check' | 'ignore' | undefined) ?? 'check',
    });

    ctx.log(
      `policy ${decision.policy.name} (${decision.policy.version.slice(0, 19)}) for ${service} → ${environment} at ${decision.evaluatedAt}`,
    );
    for (const v of decision.violations)
      ctx.log(`✖ ${v.rule}: ${v.message}${v.overridable ? '' : ' (not overridable)'}`);
    for (const w of decision.warnings) ctx.log(`! ${w.rule}: ${w.message}`);
    if (opensAt) ctx.log(`the window ${windowName} next opens at ${opensAt.toISOString()}`);
    ctx.log(
      `decision ${decisionId}: ${decision.outcome}${decision.strategy ? `, strategy ${decision.strategy}` : ''} (input ${decision.inputDigest})`,
    );
    const allowed = decision.outcome === 'allow';
    const first = decision.violations[0];
    return {
      ok: allowed,
      ...(allowed
        ? {}
        : {
            reason: `release gate denied: ${decision.violations.map((v) => v.message).join('; ') || 'no reason given'}${
              opensAt ? ` (window opens ${opensAt.toISOString()})` : ''
            }`,
          }),
      outputs: {
        allowed: String(allowed),
        strategy: decision.strategy ?? '',
        decision: String(decisionId),
        ...(first ? { reason: first.message } : {}),
      },
      evidence: {
        'gate.allowed': allowed,
        ...(decision.strategy ? { 'gate.strategy': decision.strategy } : {}),
      },
    };
  },
};
