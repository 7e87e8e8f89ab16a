/*
 * The body Flagger POSTs to every webhook (pkg/controller/webhook.go, CanaryWebhookPayload):
 * `{name, namespace, phase, checksum?, metadata?}`, metadata a map of strings from the webhook's
 * spec; event hooks add `eventMessage`, `eventType` and `timestamp` (Unix milliseconds).
 */
import type { RequestIssue } from '../../deploy/rollout-request.ts';

/** The Flagger hook types, as in the Canary CRD's `analysis.webhooks[].type` enum. */
export const FLAGGER_HOOKS = [
  'confirm-rollout',
  'pre-rollout',
  'rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'post-rollout',
  'rollback',
  'event',
] as const;
export type FlaggerHook = (typeof FLAGGER_HOOKS)[number];

/** A webhook call, validated. */
export interface FlaggerPayload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  metadata: Record<string, string>;
}

/** Reads a webhook body, or lists what is wrong with it by field. */
export function parseFlaggerPayload(
  body: unknown,
): { ok: true; payload: FlaggerPayload } | { ok: false; issues: RequestIssue[] } {
  const issues: RequestIssue[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ field: '(payload)', message: 'expected a JSON object from Flagger' }] };
  }
  const b = body as Record<string, unknown>;
  const text = (field: string, required: boolean): string => {
    const v = b[field];
    if (typeof v === 'string' && v !== '') return v;
    if (required || v !== undefined)
      issues.push({ field, message: `expected a non-empty string, got ${JSON.stringify(v)}` });
    return '';
  };
  const payload: FlaggerPayload = {
    name: text('name', true),
    namespace: text('namespace', true),
    phase: text('phase', true),
    checksum: text('checksum', false),
    metadata: {},
  };
  const meta = b['metadata'];
  if (meta !== undefined && meta !== null) {
    if (typeof meta !== 'object' || Array.isArray(meta)) {
      issues.push({ field: 'metadata', message: 'expected a map of strings' });
    } else {
      for (const [k, v] of Object.entries(meta)) {
        if (typeof v === 'string') payload.metadata[k] = v;
        else issues.push({ field: `metadata.${k}`, message: `expected a string, got ${JSON.stringify(v)}` });
      }
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, payload };
}
