import {
  VERIFY_POLICY_RULES,
  VERIFY_POLICY_SCHEMA,
  type VerifyPolicyConfig,
} from '../gates/supply-chain/verify-policy.ts';
import { ROUTER_DESCRIPTIONS, ROUTER_KINDS, ROUTER_REQUIRED_KEYS } from '../routers/kinds.ts';
import {
  TARGET_DESCRIPTIONS,
  TARGET_KINDS,
  TARGET_ONLY_KEYS,
  TARGET_REQUIRED_KEYS,
} from '../targets/kinds.ts';
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
    'warn-on-fail': {
      type: 'boolean',
      description: 'a uses: gate/* step that fails ends as a warning; the run goes on and succeeds',
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
  properties: {
    env: { type: 'string', minLength: 1 },
    file: { type: 'string', minLength: 1 },
    optional: {
      type: 'boolean',
      description:
        'may be unset (default false): then it is absent, and a notification whose url-secret it is sends nothing',
    },
  },
} as const;

/** A Kubernetes object name (RFC 1123 label). */
const K8S_NAME = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' } as const;

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
          description:
            'the availability SLO gate/release reads: measured live by runway serve (objective), or from Prometheus recording rules (source)',
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
            source: {
              type: 'object',
              additionalProperties: false,
              required: ['prometheus'],
              description:
                'read the SLO from Prometheus instead of measuring it (no objective or window then)',
              properties: {
                prometheus: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['address', 'budget-remaining', 'burn-fast', 'burn-slow'],
                  properties: {
                    address: {
                      type: 'string',
                      pattern: '^https?://',
                      description: 'e.g. http://prometheus:9090',
                    },
                    'budget-remaining': {
                      type: 'string',
                      minLength: 1,
                      description:
                        'PromQL answering the error budget left as a ratio 0-1, e.g. slo:error_budget_remaining:ratio (the gate input gets it x100, as percent)',
                    },
                    'burn-fast': {
                      type: 'string',
                      minLength: 1,
                      description:
                        'PromQL answering the fast burn rate, e.g. slo:error_budget_burn_rate:fast',
                    },
                    'burn-slow': {
                      type: 'string',
                      minLength: 1,
                      description:
                        'PromQL answering the slow burn rate, e.g. slo:error_budget_burn_rate:slow',
                    },
                  },
                },
              },
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
            required: ['kind'],
            allOf: TARGET_KINDS.map((kind) => ({
              if: { properties: { kind: { const: kind } } },
              then: {
                required: TARGET_REQUIRED_KEYS[kind],
                propertyNames: { enum: ['kind', 'port', ...TARGET_ONLY_KEYS[kind]] },
              },
            })),
            properties: {
              kind: {
                enum: TARGET_KINDS,
                description: TARGET_KINDS.map((k) => `${k}: ${TARGET_DESCRIPTIONS[k]}`).join('; '),
              },
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
              kubeconfig: {
                type: 'string',
                minLength: 1,
                description:
                  'kubernetes, argo-rollouts: the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
              },
              context: {
                type: 'string',
                minLength: 1,
                description: 'kubernetes, argo-rollouts: the kubeconfig context',
              },
              namespace: {
                ...K8S_NAME,
                description: 'kubernetes, argo-rollouts: the namespace of the workload',
              },
              deployment: {
                ...K8S_NAME,
                description: 'kubernetes: the existing Deployment that serves stable traffic',
              },
              rollout: { ...K8S_NAME, description: 'argo-rollouts: the existing Rollout Runway drives' },
              container: {
                ...K8S_NAME,
                description:
                  'kubernetes, argo-rollouts: the container that takes a release image (default: the first)',
              },
              service: {
                ...K8S_NAME,
                description: 'kubernetes: the existing Service in front of the stable pods',
              },
              'canary-replicas': {
                type: 'integer',
                minimum: 1,
                maximum: 100,
                description: 'kubernetes: replicas of the canary Deployment (default 1)',
              },
              route: {
                type: 'object',
                additionalProperties: false,
                required: ['name', 'gateway'],
                description: 'kubernetes: the Gateway API HTTPRoute Runway applies to split traffic',
                properties: {
                  name: K8S_NAME,
                  gateway: { ...K8S_NAME, description: 'the Gateway the route attaches to' },
                  'gateway-namespace': K8S_NAME,
                  hostnames: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 253 } },
                },
              },
            },
          },
          router: {
            type: 'object',
            additionalProperties: false,
            required: ['kind'],
            description:
              'how traffic is split between versions (default: the local Node router; gateway-api on a kubernetes target)',
            allOf: ROUTER_KINDS.map((kind) => ({
              if: { properties: { kind: { const: kind } } },
              then: {
                required: ROUTER_REQUIRED_KEYS[kind],
                propertyNames: { enum: ['kind', ...ROUTER_REQUIRED_KEYS[kind]] },
              },
            })),
            properties: {
              kind: {
                enum: ROUTER_KINDS,
                description: ROUTER_KINDS.map((k) => `${k}: ${ROUTER_DESCRIPTIONS[k]}`).join('; '),
              },
              'runtime-api': {
                type: 'string',
                minLength: 1,
                description:
                  'haproxy: the runtime API (the `stats socket` of haproxy.cfg): a unix socket path or 127.0.0.1:port',
              },
              backend: {
                type: 'string',
                pattern: '^[A-Za-z0-9_.:-]{1,64}$',
                description: 'haproxy: the backend whose servers Runway adds, weighs and removes',
              },
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
  'warn-on-fail'?: boolean;
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

/** `router:` of an environment, per kind. */
export type RouterConfig =
  { kind: 'local' } | { kind: 'gateway-api' } | { kind: 'haproxy'; 'runtime-api': string; backend: string };

export interface EnvironmentConfig {
  verify?: VerifyPolicyConfig;
  router?: RouterConfig;
  target: LocalTargetConfig | KubernetesTargetConfig | ArgoRolloutsTargetConfig;
}

/** `target:` of kind local. */
export interface LocalTargetConfig {
  kind: 'local';
  command: string;
  port: number;
  'preview-port'?: number;
  replicas?: number;
  env?: EnvMap;
  'working-directory'?: string;
  'ready-timeout'?: Duration;
}

/** `target:` of kind kubernetes. */
export interface KubernetesTargetConfig {
  kind: 'kubernetes';
  kubeconfig?: string;
  context?: string;
  namespace: string;
  deployment: string;
  container?: string;
  service: string;
  port: number;
  'canary-replicas'?: number;
  route: { name: string; gateway: string; 'gateway-namespace'?: string; hostnames?: string[] };
}

/** `target:` of kind argo-rollouts. */
export interface ArgoRolloutsTargetConfig {
  kind: 'argo-rollouts';
  kubeconfig?: string;
  context?: string;
  namespace: string;
  rollout: string;
  container?: string;
}

/** PromQL queries of an SLO kept by Prometheus recording rules. */
export interface PrometheusSloSource {
  address: string;
  'budget-remaining': string;
  'burn-fast': string;
  'burn-slow': string;
}

/** `service.slo`: an objective runway serve measures, or a Prometheus source (exactly one). */
export interface ServiceSloConfig {
  objective?: number;
  window?: string;
  source?: { prometheus: PrometheusSloSource };
}

export interface PipelineConfig {
  version: 1;
  name?: string;
  service?: { name: string; tier?: number; health?: string; slo?: ServiceSloConfig };
  concurrency?: number;
  'inherit-env'?: string[];
  env?: EnvMap;
  secrets?: Record<string, { env?: string; file?: string; optional?: boolean }>;
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
