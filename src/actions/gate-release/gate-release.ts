import { POLICY_REF_SCHEMA, policyFor, type PolicyRefConfig } from '../../gates/release/policies.ts';
import { presetCalendars } from '../../gates/windows/presets.ts';
import type { Action } from '../action.ts';

/**
 * `uses: gate/release` — the seed's release gate: assembles the gate input from the run's evidence,
 * the deployment window, open incidents and, when the pipeline declares `service.slo` and a
 * control plane runs, the SLO measured from the data plane; asks the policy, stores the decision,
 * and fails the step on deny with every violation listed.
 */
export const gateRelease: Action = {
  name: 'gate/release',
  description: 'decide whether this release may go to an environment (policy, window, incidents, SLO)',
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
      input: {
        type: 'object',
        description:
          'gate input fields you declare; the run evidence and what Runway observes take precedence',
      },
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
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).gateRelease(ctx);
  },
};
