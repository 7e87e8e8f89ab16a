/** JSON Schema (draft-07) of the `windows:` map in runway.yaml; `parseWindows` is the authority on values. */

const name = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' } as const;

const dayOrRange = '[A-Za-z]{3,9}(\\s*-\\s*[A-Za-z]{3,9})?';

const days = {
  description:
    'days of the week: mon..sun or monday..sunday, any case; ranges such as mon-fri (fri-mon wraps)',
  examples: ['mon-fri', ['sat', 'sun']],
  anyOf: [
    { type: 'string', pattern: `^\\s*${dayOrRange}(\\s*,\\s*${dayOrRange})*\\s*$` },
    { type: 'array', minItems: 1, items: { type: 'string', pattern: `^\\s*${dayOrRange}\\s*$` } },
  ],
} as const;

const hours = {
  description:
    'local wall-clock hours HH:MM-HH:MM, end exclusive; 24:00 may end; an end before the start spans midnight',
  examples: ['09:00-16:00', '12:00-24:00', '22:00-06:00'],
  type: 'string',
  pattern: '^\\s*\\d{1,2}:\\d{2}\\s*-\\s*\\d{1,2}:\\d{2}\\s*$',
} as const;

const reason = {
  type: 'string',
  pattern: '\\S',
  description: 'shown when this rule closes the window',
} as const;

const rule = {
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['days'] }, { required: ['hours'] }],
  properties: { days, hours, reason },
} as const;

const stamp = '\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2})?';

const freeze = {
  type: 'object',
  additionalProperties: false,
  required: ['dates', 'reason'],
  properties: {
    dates: {
      description:
        'local dates: a day, or start..end of days or YYYY-MM-DDTHH:MM times (a day end includes the day, a time end is exclusive)',
      examples: ['2026-12-20..2027-01-04', '2026-11-26', '2026-12-24T12:00..2026-12-27T08:00'],
      type: 'string',
      pattern: `^\\s*${stamp}\\s*(\\.\\.\\s*${stamp}\\s*)?$`,
    },
    reason: { ...reason, description: 'why deploys are frozen' },
  },
} as const;

const calendar = {
  type: 'object',
  additionalProperties: false,
  description:
    'open when some allow rule covers the local time (or there are none) and no deny rule or freeze does',
  properties: {
    timezone: {
      type: 'string',
      minLength: 1,
      description: 'IANA time zone of the rules (default UTC)',
      examples: ['Europe/Berlin', 'America/New_York', 'UTC'],
    },
    allow: { type: 'array', items: rule, description: 'weekly periods when deploys may run' },
    deny: {
      type: 'array',
      items: rule,
      description: 'weekly periods when deploys may not run; deny beats allow',
    },
    freezes: { type: 'array', items: freeze, description: 'one-off periods when deploys may not run' },
  },
} as const;

/** The `windows:` property: deployment calendars by name. */
export const WINDOWS_SCHEMA = {
  type: 'object',
  description: 'deployment windows by name, used by environment protection and `runway window`',
  propertyNames: name,
  additionalProperties: calendar,
} as const;
