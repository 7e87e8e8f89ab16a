import type { Action } from '../action.ts';

/**
 * `uses: notify` — sends an explicit message to the subscriptions named in `to` (default: those
 * subscribed to `message`), with the run's start time and how long it has run. The step fails when
 * a subscription did not get the message after its retries.
 */
export const notify: Action = {
  name: 'notify',
  description: 'send a message to notification subscriptions (Slack, webhook)',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['message'],
    properties: {
      message: { type: 'string', minLength: 1, description: 'the message; may use ${{ }}' },
      to: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: 'subscription names under notifications: (default: those subscribed to message)',
      },
      environment: { type: 'string', minLength: 1, description: 'the environment the message is about' },
    },
  },
  check(inputs, pipeline) {
    const known = pipeline.notifications ?? [];
    const to = (inputs['to'] as string[] | undefined) ?? [];
    return to
      .filter((name) => !known.includes(name))
      .map((name) => ({
        input: 'to',
        message: `notification "${name}" is not declared under notifications:${known.length > 0 ? ` (declared: ${known.join(', ')})` : ''}`,
      }));
  },
  async run(ctx) {
    // loaded on first use: loading a pipeline needs only the definition above
    return (await import('../run-code.ts')).notify(ctx);
  },
};
