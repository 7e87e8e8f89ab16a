/*
 * Subscriptions as runway.yaml writes them under `notifications:` (name → notifier, events,
 * environments, retry), checked and resolved. The URL of a Slack webhook is itself a secret, so
 * it may come from a declared secret (`url-secret`); a webhook's HMAC key always does (`secret`).
 */
import { parseDuration } from '../engine/duration.ts';
import { NOTIFY_EVENTS, type NotifyEventName } from './notification.ts';

/** Notifier kinds a subscription may name; the registry has one constructor per kind. */
export const NOTIFIER_KINDS = ['slack', 'webhook', 'github', 'none'] as const;
/** One of NOTIFIER_KINDS. */
export type NotifierKind = (typeof NOTIFIER_KINDS)[number];

/** A resolved subscription, stored with each run's pipeline. */
export interface Subscription {
  name: string;
  kind: NotifierKind;
  /** The receiver's URL, when written in the file. */
  url?: string;
  /** The secret holding the receiver's URL, when not written in the file. */
  urlSecret?: string;
  /** The secret whose value signs webhook bodies (HMAC-SHA256). */
  secret?: string;
  /** GitHub: the repository (owner/name), the secret holding the token, the API URL. */
  github?: { repo: string; tokenSecret: string; api?: string };
  events: NotifyEventName[];
  /** Events of these environments only; empty means every environment. Run events always match. */
  environments: string[];
  retry: { count: number; delayMs: number };
}

/** Retries unless configured: 3 more attempts after 1 s, 2 s and 4 s. */
export const DEFAULT_RETRY = Object.freeze({ count: 3, delayMs: 1000 });

const url = { type: 'string', pattern: '^https?://', description: "the receiver's URL" } as const;
const secretName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;

/** JSON Schema of `notifications:`. */
export const NOTIFICATIONS_SCHEMA = {
  type: 'object',
  description: 'who is told what: subscriptions by name, each with one notifier (slack, webhook, none)',
  propertyNames: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      slack: {
        type: 'object',
        additionalProperties: false,
        description: 'a Slack incoming webhook: url, or url-secret naming a declared secret',
        properties: { url, 'url-secret': { ...secretName, description: 'a secret holding the webhook URL' } },
      },
      webhook: {
        type: 'object',
        additionalProperties: false,
        description:
          'JSON POSTed to any URL, signed with HMAC-SHA256 (x-runway-signature-256) when secret is set',
        properties: {
          url,
          'url-secret': { ...secretName, description: 'a secret holding the URL' },
          secret: { ...secretName, description: 'a declared secret whose value signs the body' },
        },
      },
      github: {
        type: 'object',
        additionalProperties: false,
        required: ['repo', 'token-secret'],
        description: 'GitHub deployments and their statuses for rollouts (REST API)',
        properties: {
          repo: { type: 'string', pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'owner/name' },
          'token-secret': {
            ...secretName,
            description: 'a declared secret holding a token with deployments write access',
          },
          api: {
            ...url,
            description:
              'the API URL (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3)',
          },
        },
      },
      none: {
        type: 'object',
        additionalProperties: false,
        description: 'tell nobody (keeps a subscription off)',
      },
      events: {
        type: 'array',
        minItems: 1,
        items: { enum: [...NOTIFY_EVENTS] },
        description: 'events to send (default: all)',
      },
      environments: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'only events of these environments (run events always match); default all',
      },
      retry: {
        type: 'object',
        additionalProperties: false,
        properties: {
          count: { type: 'integer', minimum: 0, maximum: 10 },
          delay: {
            anyOf: [
              { type: 'string', pattern: '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h|d)\\s*)+$' },
              { type: 'number', minimum: 0 },
            ],
          },
        },
        description:
          'more attempts after a failure, with a delay that doubles each time (default 3 after 1s)',
      },
    },
  },
} as const;

/** `notifications:` as written (after the schema check). */
export type NotificationsConfig = Record<
  string,
  {
    slack?: { url?: string; 'url-secret'?: string };
    webhook?: { url?: string; 'url-secret'?: string; secret?: string };
    github?: { repo: string; 'token-secret': string; api?: string };
    none?: Record<string, never>;
    events?: NotifyEventName[];
    environments?: string[];
    retry?: { count?: number; delay?: string | number };
  }
>;

/** What the schema cannot check: one notifier each, a URL, declared secrets, known environments. */
export function subscriptionIssues(
  config: NotificationsConfig,
  secrets: readonly string[],
  environments: readonly string[],
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const [name, sub] of Object.entries(config)) {
    const kinds = NOTIFIER_KINDS.filter((k) => sub[k] !== undefined);
    if (kinds.length !== 1) {
      issues.push({
        path: ['notifications', name],
        message: `notification "${name}" needs exactly one notifier, got ${kinds.length === 0 ? 'none' : kinds.join(' and ')} — expected one of: ${NOTIFIER_KINDS.join(', ')}`,
      });
      continue;
    }
    const kind = kinds[0]!;
    if (kind === 'github') {
      const ref = sub.github!['token-secret'];
      if (!secrets.includes(ref)) {
        issues.push({
          path: ['notifications', name, 'github', 'token-secret'],
          message: `secret "${ref}" is not declared under secrets:${secrets.length > 0 ? ` (declared: ${secrets.join(', ')})` : ''}`,
        });
      }
    } else if (kind !== 'none') {
      const target = sub[kind] as { url?: string; 'url-secret'?: string; secret?: string };
      if ((target.url === undefined) === (target['url-secret'] === undefined)) {
        issues.push({
          path: ['notifications', name, kind],
          message: `notification "${name}" needs exactly one of url: or url-secret:`,
        });
      }
      for (const key of ['url-secret', 'secret'] as const) {
        const ref = target[key];
        if (ref !== undefined && !secrets.includes(ref)) {
          issues.push({
            path: ['notifications', name, kind, key],
            message: `secret "${ref}" is not declared under secrets:${secrets.length > 0 ? ` (declared: ${secrets.join(', ')})` : ''}`,
          });
        }
      }
    }
    (sub.environments ?? []).forEach((env, i) => {
      if (!environments.includes(env)) {
        issues.push({
          path: ['notifications', name, 'environments', i],
          message: `environment "${env}" is not declared under environments:${environments.length > 0 ? ` (declared: ${environments.join(', ')})` : ''}`,
        });
      }
    });
  }
  return issues;
}

/** Resolves checked subscriptions. */
export function resolveSubscriptions(config: NotificationsConfig | undefined): Record<string, Subscription> {
  const out: Record<string, Subscription> = {};
  for (const [name, sub] of Object.entries(config ?? {})) {
    const kind = NOTIFIER_KINDS.find((k) => sub[k] !== undefined) ?? 'none';
    const target = (kind === 'none' ? {} : sub[kind]) as {
      url?: string;
      'url-secret'?: string;
      secret?: string;
    };
    out[name] = {
      name,
      kind,
      ...(target.url !== undefined ? { url: target.url } : {}),
      ...(target['url-secret'] !== undefined ? { urlSecret: target['url-secret'] } : {}),
      ...(target.secret !== undefined ? { secret: target.secret } : {}),
      ...(sub.github
        ? {
            github: {
              repo: sub.github.repo,
              tokenSecret: sub.github['token-secret'],
              ...(sub.github.api ? { api: sub.github.api } : {}),
            },
          }
        : {}),
      events: [...(sub.events ?? NOTIFY_EVENTS)],
      environments: [...(sub.environments ?? [])],
      retry: {
        count: sub.retry?.count ?? DEFAULT_RETRY.count,
        delayMs: sub.retry?.delay === undefined ? DEFAULT_RETRY.delayMs : parseDuration(sub.retry.delay),
      },
    };
  }
  return out;
}

/**
 * The subscriptions that are on: one whose URL comes from an `optional` secret that is not set is off
 * (sends nothing, logs nothing), so a pipeline can ship a subscription its users turn on by setting it.
 */
export function configuredSubscriptions(
  subscriptions: Readonly<Record<string, Subscription>>,
  declared: Readonly<Record<string, { optional?: boolean }>>,
  secrets: Readonly<Record<string, string>>,
): Record<string, Subscription> {
  const on: Record<string, Subscription> = {};
  for (const [name, sub] of Object.entries(subscriptions)) {
    const from = sub.urlSecret;
    if (from !== undefined && declared[from]?.optional === true && secrets[from] === undefined) continue;
    on[name] = sub;
  }
  return on;
}
