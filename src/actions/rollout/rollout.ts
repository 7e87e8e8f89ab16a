import { resolveStrategy } from '../../rollout/resolve-strategy.ts';
import type { Action } from '../action.ts';
import { checkEnvironment, RELEASE_INPUTS } from '../deploy/release-inputs.ts';
import { formatAnalysisIssue } from '../../analysis/fields.ts';
import { parseAnalysisTemplates } from '../../analysis/template.ts';
import { delegatedInputProblems, delegatedRequest, isDelegated } from './delegated-request.ts';
import { ownsTraffic } from '../../targets/kinds.ts';
import { flaggerTemplates } from './flagger-input.ts';
import { STRATEGY_INPUTS, strategyFromInputs, templatesOf } from './strategy-input.ts';

/**
 * `uses: rollout` — moves an environment to the new release by a strategy (a seed preset, canary
 * steps, blue-green, or Flagger's `analysis:` block), judged by the pipeline's analysis templates; rolls back on its own when a
 * check fails, the health probe fails 3 times in a row, the new version crash-loops, or it makes no
 * progress before the deadline.
 */
export const rollout: Action = {
  name: 'rollout',
  description: 'progressive rollout (canary or blue-green) with automatic analysis and rollback',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['environment'],
    properties: {
      ...RELEASE_INPUTS,
      ...STRATEGY_INPUTS,
      args: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'extra arguments for the analysis templates',
      },
    },
  },
  check(inputs, pipeline) {
    const problems = checkEnvironment(inputs, pipeline);
    const kind = pipeline.environmentTargets?.[String(inputs['environment'])];
    if (ownsTraffic({ kind })) return [...problems, ...delegatedInputProblems(inputs, String(kind))];
    // a preset from an expression (the release gate's strategy) is checked when the step runs
    if (typeof inputs['preset'] === 'string' && inputs['preset'].includes('${{')) return problems;
    const strategy = strategyFromInputs(inputs);
    if (typeof strategy === 'string') {
      const input = inputs['analysis'] === undefined ? 'strategy' : 'analysis';
      return [...problems, { input, message: strategy }];
    }
    const resolved = resolveStrategy(strategy);
    if (!resolved.ok) {
      problems.push(...resolved.issues.map((i) => ({ input: i.path, message: i.message })));
    }
    const templates = flaggerTemplates((inputs['analysis'] as Record<string, unknown>) ?? {});
    for (const issue of parseAnalysisTemplates(templates).issues) {
      problems.push({ input: 'analysis', message: formatAnalysisIssue(issue) });
    }
    const generated = Object.keys(templates);
    for (const t of generated.filter((name) => pipeline.analysis.includes(name))) {
      problems.push({
        input: 'analysis',
        message: `generates analysis template "${t}", which \`analysis:\` already defines; rename one of them`,
      });
    }
    for (const t of templatesOf(strategy)) {
      if (!pipeline.analysis.includes(t) && !generated.includes(t)) {
        problems.push({
          input: 'strategy',
          message: `analysis template "${t}" is not defined under \`analysis:\`${pipeline.analysis.length > 0 ? ` (defined: ${pipeline.analysis.join(', ')})` : ''}`,
        });
      }
    }
    return problems;
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the inputs and the check above
    const { controlPlane, environmentOf, releaseRequest, runRollout } = await import('../run-code.ts');
    const env = environmentOf(ctx);
    if (typeof env === 'string') return { ok: false, reason: env };
    if (isDelegated(env)) {
      // the Argo Rollout does the steps and the traffic; Runway sets the image and follows it
      const req = delegatedRequest(ctx, env, ctx.inputs['image']);
      if (typeof req === 'string') return { ok: false, reason: req };
      const client = await controlPlane(ctx);
      if (typeof client === 'string') return { ok: false, reason: client };
      return runRollout(ctx, client, req);
    }
    const strategy = strategyFromInputs(ctx.inputs);
    if (typeof strategy === 'string') return { ok: false, reason: strategy };
    const analysis = {
      ...ctx.run.pipeline.analysis,
      ...flaggerTemplates((ctx.inputs['analysis'] as Record<string, unknown>) ?? {}),
    };
    const defined = Object.keys(analysis);
    const missing = templatesOf(strategy).filter((t) => !defined.includes(t));
    if (missing.length > 0) {
      return {
        ok: false,
        reason: `the strategy needs analysis templates that are not defined under analysis:: ${missing.join(', ')}`,
      };
    }
    if (ctx.inputs['preset'] !== undefined) ctx.log(`strategy: preset ${String(ctx.inputs['preset'])}`);
    const req = releaseRequest(ctx, env, {
      strategy,
      analysis,
      ...(ctx.inputs['args'] ? { args: ctx.inputs['args'] as Record<string, string> } : {}),
    });
    if (typeof req === 'string') return { ok: false, reason: req };
    const client = await controlPlane(ctx);
    if (typeof client === 'string') return { ok: false, reason: client };
    return runRollout(ctx, client, req);
  },
};
