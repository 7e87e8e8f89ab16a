const globs = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 } as const;

/** JSON Schema of `on:`. */
export const TRIGGERS_SCHEMA = {
  type: 'object',
  description:
    'what starts the pipeline in runway serve: GitHub push and pull_request webhooks (POST /v1/github/webhook), cron schedules',
  additionalProperties: false,
  properties: {
    push: {
      type: 'object',
      additionalProperties: false,
      description: 'a push to a branch or tag matching these globs, touching these paths',
      properties: { branches: globs, tags: globs, paths: globs },
    },
    pull_request: {
      type: 'object',
      additionalProperties: false,
      description:
        'a pull request activity (default opened, synchronize, reopened) against these base branches',
      properties: {
        types: {
          type: 'array',
          minItems: 1,
          items: {
            enum: [
              'opened',
              'synchronize',
              'reopened',
              'closed',
              'labeled',
              'unlabeled',
              'edited',
              'ready_for_review',
            ],
          },
        },
        branches: globs,
        paths: globs,
      },
    },
    schedule: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['cron'],
        properties: {
          cron: { type: 'string', description: 'five cron fields, e.g. "0 2 * * *"' },
          timezone: { type: 'string', description: 'IANA timezone the cron is read in (default UTC)' },
        },
      },
    },
  },
} as const;
