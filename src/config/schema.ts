import {
  VERIFY_POLICY_RULES,
  VERIFY_POLICY_SCHEMA,
  type VerifyPolicyConfig,
} from '../gates/supply-chain/verify-policy.ts';
import { WINDOWS_SCHEMA } from '../gates/windows/schema.ts';
import { TRIGGERS_SCHEMA } from '../triggers/schema.ts';
import type { TriggersConfig } from '../triggers/triggers.ts';
import { NOTIFICATIONS_SCHEMA, type NotificationsConfig } from '../notify/subscription.ts';

/** JSON Schema (draft-07) of runway.yaml version 1; the validator and `runway schema` share it. */

const duration = {
  description: 'a duration such as 30s, 5m, 1h30m, 250ms, or a number of seconds',
  anyOf: [
    { type: 'string', pattern: '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h|d)\\s*)+$' },
    { type: 'number', minimum: 0 },
  ],
} as const;

const envMap = {
  description: 'environment variables; values may use ${{ expression }}',
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  additionalProperties: { type: ['string', 'number', 'boolean'] },
} as const;

const celExpression = {
  description: 'a CEL expression over the run context, e.g. ref == "refs/heads/main"',
  type: 'string',
  minLength: 1,
} as const;

const retry = {
  description: 'extra attempts after a failure: a count, or {count, delay}',
  anyOf: [
    { type: 'integer', minimum: 0, maximum: 10 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['count'],
      properties: { count: { type: 'integer', minimum: 0, maximum: 10 }, delay: duration },
    },
  ],
} as const;

const identifier = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' } as const;

const common = {
  env: envMap,
  if: celExpression,
  timeout: duration,
  retry,
  'continue-on-error': { type: 'boolean' },
  'working-directory': { type: 'string', minLength: 1 },
} as const;

const step = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { ...identifier, description: 'unique within the stage; used in steps.<id>.outputs' },
    name: { type: 'string', minLength: 1 },
    run: { type: 'string', minLength: 1, description: 'a shell command (bash -eo pipefail)' },
    uses: { type: 'string', minLength: 1, description: 'a built-in action' },
    with: { type: 'object', description: 'typed inputs of the action' },
    rerun: {
      type: 'integer',
      minimum: 2,
      maximum: 20,
      description: 'runs the step this many times; it passes only when every run passes (flaky verification)',
    },
    'warn-on-exit': {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 1, maximum: 255 },
      description: 'exit codes of a run: step that end it as a warning instead of a failure',
    },
    ...common,
  },
} as const;

const readiness = {
  type: 'object',
  additionalProperties: false,
  description: 'how to know the service is ready: one of tcp, http, run',
  properties: {
    tcp: {
      anyOf: [
        { type: 'integer', minimum: 1, maximum: 65535 },
        { type: 'string', minLength: 1 },
      ],
    },
    http: { type: 'string', pattern: '^https?://' },
    run: { type: 'string', minLength: 1 },
    timeout: duration,
    interval: duration,
  },
} as const;

const service = {
  type: 'object',
  additionalProperties: false,
  required: ['run'],
  properties: {
    run: { type: 'string', minLength: 1, description: 'the command that starts the service' },
    env: envMap,
    'working-directory': { type: 'string', minLength: 1 },
    ready: readiness,
  },
} as const;

const stage = {
  type: 'object',
  additionalProperties: false,
  required: ['steps'],
  properties: {
    needs: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', items: { type: 'string', minLength: 1 } },
      ],
    },
    services: { type: 'object', propertyNames: identifier, additionalProperties: service },
    steps: { type: 'array', minItems: 1, items: step },
    ...common,
  },
} as const;

const secretSource = {
  type: 'object',
  additionalProperties: false,
  description: 'where the secret comes from: env (a variable of the runway process) or file',
  properties: { env: { type: 'string', minLength: 1 }, file: { type: 'string', minLength: 1 } },
} as const;

export const PIPELINE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://runway.dev/schema/runway-v1.json',
  title: 'runway.yaml',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'stages'],
  properties: {
    version: { const: 1, description: 'the file format version' },
    name: { type: 'string', minLength: 1 },
    service: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: identifier,
        tier: { type: 'integer', minimum: 1, maximum: 3 },
        health: { type: 'string', pattern: '^/' },
        slo: {
          type: 'object',
          additionalProperties: false,
          required: ['objective'],
          description:
            'the availability SLO gate/release reads live from runway serve (5xx responses are errors)',
          properties: {
            objective: {
              type: 'number',
              exclusiveMinimum: 0,
              exclusiveMaximum: 100,
              description: 'percent of requests that must succeed, e.g. 99.9',
            },
            window: {
              type: 'string',
              // 1d..35d or 1h..840h: runway serve keeps 35 days of samples
              pattern: '^(([1-9]|[12][0-9]|3[0-5])d|([1-9][0-9]?|[1-7][0-9]{2}|8[0-3][0-9]|840)h)$',
              description:
                'the window the error budget is spent over: 1d to 35d, or in hours (default 30d; runway serve keeps 35 days of samples)',
            },
          },
        },
      },
    },
    concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'stages run at once (default 2)' },
    'inherit-env': {
      type: 'array',
      items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      description: 'variables passed through from the runway process to every step',
    },
    env: envMap,
    secrets: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: secretSource,
    },
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: { timeout: duration, retry, 'working-directory': common['working-directory'] },
    },
    windows: WINDOWS_SCHEMA,
    on: TRIGGERS_SCHEMA,
    analysis: {
      type: 'object',
      description:
        'analysis templates by name (Argo Rollouts AnalysisTemplate metrics: provider, successCondition, …)',
    },
    environments: {
      type: 'object',
      description: 'where releases run (staging, production…): the target that runs instances',
      propertyNames: identifier,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['target'],
        properties: {
          verify: {
            type: 'object',
            additionalProperties: false,
            ...VERIFY_POLICY_RULES,
            properties: VERIFY_POLICY_SCHEMA,
          },
          target: {
            type: 'object',
            additionalProperties: false,
            required: ['kind', 'command', 'port'],
            properties: {
              kind: { const: 'local', description: 'local: the built-in data plane on this machine' },
              command: {
                type: 'string',
                minLength: 1,
                description: 'starts one instance; it must listen on 127.0.0.1:$PORT',
              },
              port: {
                type: 'integer',
                minimum: 1,
                maximum: 65535,
                description: "the environment's public port (the weighted router listens here)",
              },
              'preview-port': {
                type: 'integer',
                minimum: 1,
                maximum: 65535,
                description: 'blue-green preview port',
              },
              replicas: {
                type: 'integer',
                minimum: 1,
                maximum: 32,
                description: 'instances per version (default 1)',
              },
              env: envMap,
              'working-directory': {
                type: 'string',
                minLength: 1,
                description: 'where the command runs when the release has no artifact',
              },
              'ready-timeout': duration,
            },
          },
        },
      },
    },
    notifications: NOTIFICATIONS_SCHEMA,
    roles: {
      type: 'object',
      description: 'who may approve: role name → identities (e-mail addresses)',
      propertyNames: identifier,
      additionalProperties: { type: 'array', minItems: 1, items: { type: 'string', minLength: 3 } },
    },
    stages: {
      type: 'object',
      minProperties: 1,
      propertyNames: identifier,
      additionalProperties: stage,
    },
  },
} as const;

export type Scalar = string | number | boolean;
export type EnvMap = Record<string, Scalar>;
export type RetryConfig = number | { count: number; delay?: string | number };
export type Duration = string | number;

interface Common {
  env?: EnvMap;
  if?: string;
  timeout?: Duration;
  retry?: RetryConfig;
  'continue-on-error'?: boolean;
  'working-directory'?: string;
}

export interface StepConfig extends Common {
  id?: string;
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  'warn-on-exit'?: number[];
  rerun?: number;
}

export interface ReadinessConfig {
  tcp?: number | string;
  http?: string;
  run?: string;
  timeout?: Duration;
  interval?: Duration;
}

export interface ServiceConfig {
  run: string;
  env?: EnvMap;
  'working-directory'?: string;
  ready?: ReadinessConfig;
}

export interface StageConfig extends Common {
  needs?: string | string[];
  services?: Record<string, ServiceConfig>;
  steps: StepConfig[];
}

export interface EnvironmentConfig {
  verify?: VerifyPolicyConfig;
  target: {
    kind: 'local';
    command: string;
    port: number;
    'preview-port'?: number;
    replicas?: number;
    env?: EnvMap;
    'working-directory'?: string;
    'ready-timeout'?: Duration;
  };
}

export interface PipelineConfig {
  version: 1;
  name?: string;
  service?: { name: string; tier?: number; health?: string; slo?: { objective: number; window?: string } };
  concurrency?: number;
  'inherit-env'?: string[];
  env?: EnvMap;
  secrets?: Record<string, { env?: string; file?: string }>;
  defaults?: { timeout?: Duration; retry?: RetryConfig; 'working-directory'?: string };
  /** Deployment-window calendars by name, checked by parseWindows. */
  windows?: Record<string, unknown>;
  /** What starts the pipeline in runway serve: webhooks and schedules. */
  on?: TriggersConfig;
  roles?: Record<string, string[]>;
  environments?: Record<string, EnvironmentConfig>;
  /** Analysis templates, checked by parseAnalysisTemplates. */
  analysis?: Record<string, unknown>;
  /** Subscriptions by name, checked by subscriptionIssues. */
  notifications?: NotificationsConfig;
  stages: Record<string, StageConfig>;
}
