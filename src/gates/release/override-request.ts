/*
 * An emergency override of the release gate as asked for (by `runway override grant` or
 * `POST /v1/overrides`), checked the same way for both: a reason, at most 24 hours, a known
 * environment, a service name, and only rules that may be overridden.
 */
import { parseDuration } from '../../engine/duration.ts';
import type { OverrideRecord } from '../../store/store.ts';
import { DEFAULT_POLICY_DOCUMENT } from '../policy/default-policy.ts';
import { ENVIRONMENTS } from '../policy/gate-input.ts';

const MAX_MS = 24 * 3_600_000;

/** What a grant asks for; field names are how the caller spells them (`--expires` or `expires`). */
export interface OverrideAsk {
  service: string;
  environment: string;
  reason: string;
  expires: string;
  rules: string[];
  from?: Date;
}

/** The rules an override may lift. */
export function overridableRules(): string[] {
  return [
    ...[...(DEFAULT_POLICY_DOCUMENT.deny ?? [])].filter((r) => r.overridable !== false).map((r) => r.name),
    'in-flight',
    'slo-source',
  ];
}

/**
 * The override to store, or why it cannot be granted. `names` spells each field as the caller
 * wrote it, so the CLI says `--expires` and the API `expires`.
 */
export function overrideFrom(
  ask: OverrideAsk,
  grantedBy: string,
  now: Date,
  names: Record<'service' | 'environment' | 'reason' | 'expires' | 'rules', string>,
): Omit<OverrideRecord, 'id' | 'revokedAt'> | { issue: string } {
  let ms: number;
  try {
    ms = parseDuration(ask.expires);
  } catch (err) {
    return { issue: `${names.expires}: ${(err as Error).message}` };
  }
  if (ms <= 0 || ms > MAX_MS)
    return { issue: `${names.expires} must be more than 0 and at most 24h, got ${ask.expires}` };
  if (ask.reason.trim().length < 10)
    return { issue: `${names.reason} must say why, in at least 10 characters` };
  if (!ENVIRONMENTS.includes(ask.environment as never))
    return {
      issue: `${names.environment} must be one of ${ENVIRONMENTS.join(', ')}, got "${ask.environment}"`,
    };
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(ask.service))
    return { issue: `${names.service} "${ask.service}" is not a service name (letters, digits, "_" or "-")` };
  const overridable = overridableRules();
  const bad = ask.rules.filter((r) => !overridable.includes(r));
  if (bad.length > 0)
    return {
      issue: `${names.rules}: ${bad.join(', ')} cannot be overridden — overridable rules: ${overridable.join(', ')}`,
    };
  return {
    service: ask.service,
    environment: ask.environment,
    rules: ask.rules,
    reason: ask.reason.trim(),
    grantedBy,
    grantedAt: now.toISOString(),
    ...(ask.from ? { validFrom: ask.from.toISOString() } : {}),
    expiresAt: new Date((ask.from ?? now).getTime() + ms).toISOString(),
  };
}
