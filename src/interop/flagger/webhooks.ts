/*
 * Flagger's webhooks answered by Runway (docs/gitbook/usage/webhooks.md): 200 lets the canary go
 * on, any other status halts it (gates) or counts a failed check (pre-rollout, rollout); for a
 * `rollback` hook 200 means "roll back". Each answer is stored as a decision when it changes.
 */
import { DeployError } from '../../deploy/deployments.ts';
import { inputDigest } from '../../gates/policy/input-digest.ts';
import type { Store } from '../../store/store.ts';
import { decide, type Check, type CheckAnswer } from '../release-check.ts';
import { releaseGateOf } from '../release-gate-facts.ts';
import type { InteropDeps, InteropRoute } from '../routes.ts';
import { FLAGGER_HOOKS, parseFlaggerPayload, type FlaggerHook, type FlaggerPayload } from './payload.ts';

const CHECK_OF: Partial<Record<FlaggerHook, Check>> = {
  'confirm-rollout': 'start',
  'pre-rollout': 'health',
  rollout: 'health',
  'confirm-traffic-increase': 'traffic',
  'confirm-promotion': 'promotion',
  rollback: 'rollback',
};

const WORDS: Record<Check, [string, string]> = {
  start: ['go', 'wait'],
  traffic: ['go', 'wait'],
  promotion: ['go', 'wait'],
  health: ['pass', 'fail'],
  rollback: ['rollback', 'continue'],
};

/** `POST /v1/flagger/:hook` for every Flagger hook type. */
export function flaggerRoutes(d: InteropDeps): InteropRoute[] {
  return [
    {
      method: 'POST',
      path: /^\/v1\/flagger\/([^/]+)$/,
      params: ['hook'],
      summary: "Flagger's webhooks (gates, checks, rollback, events) answered by Runway.",
      tokenInMetadata: true,
      handle: async (url, [hook], body) => {
        if (!FLAGGER_HOOKS.includes(hook as FlaggerHook)) {
          throw new DeployError(
            404,
            `unknown Flagger hook "${hook}" — expected one of: ${FLAGGER_HOOKS.join(', ')}`,
          );
        }
        const parsed = parseFlaggerPayload(body);
        if (!parsed.ok) throw new DeployError(400, 'invalid Flagger webhook payload', parsed.issues);
        const p = parsed.payload;
        const now = atOf(url, d);
        if (hook === 'event' || hook === 'post-rollout') return [202, await recordEvent(d.store, p, now)];
        const check = CHECK_OF[hook as FlaggerHook] as Check;
        const answer = await answerFor(d, check, p, now);
        const [yes, no] = WORDS[check];
        const out = { hook, canary: `${p.namespace}/${p.name}`, decision: answer.go ? yes : no, ...answer };
        await remember(d.store, `flagger/${hook}`, serviceOf(p), p, out);
        if (!answer.go)
          d.log(`flagger ${hook} ${p.namespace}/${p.name}: ${out.decision}: ${answer.reasons.join('; ')}`);
        return [answer.go ? 200 : 403, out];
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/flagger\/events$/,
      summary: 'Events Flagger reported, newest first (service, limit).',
      handle: async (url) => {
        const service = url.searchParams.get('service');
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const events = await d.store.externalEvents({
          ...(service ? { service } : {}),
          limit: Number.isInteger(limit) && limit > 0 ? limit : 100,
        });
        return [200, { events }];
      },
    },
  ];
}

/** The time a request is judged at: now, or `?at=` for a rehearsal or replay. */
function atOf(url: URL, d: InteropDeps): Date {
  const at = url.searchParams.get('at');
  if (at === null) return d.clock.now();
  const t = new Date(at);
  if (Number.isNaN(t.getTime()))
    throw new DeployError(400, `at "${at}" is not an ISO 8601 time, e.g. 2026-11-24T10:00:00Z`);
  return t;
}

function serviceOf(p: FlaggerPayload): string {
  return p.metadata['service'] || p.name;
}

async function answerFor(d: InteropDeps, check: Check, p: FlaggerPayload, now: Date): Promise<CheckAnswer> {
  const service = serviceOf(p);
  const windowName = p.metadata['window'];
  const window = windowName === undefined ? undefined : d.calendars[windowName];
  if (windowName !== undefined && !window) {
    throw new DeployError(
      400,
      `unknown window "${windowName}" in metadata.window — expected one of: ${Object.keys(d.calendars).join(', ')}`,
    );
  }
  const incidents = await d.store.incidents({ service, open: true });
  const gate = `flagger/${p.namespace}/${p.name}`;
  let approval;
  if (check === 'promotion' || check === 'rollback') {
    const required = requiredApprovals(p.metadata['approvals']);
    const roles = (p.metadata['roles'] ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    // ask for this revision (the checksum), so a new revision needs new approvals
    if (check === 'promotion' && required > 0) {
      await d.store.requestExternalApproval({
        gate,
        revision: p.checksum,
        service,
        required,
        roles,
        requestedAt: now.toISOString(),
      });
    }
    const asked = await d.store.externalApproval(gate);
    // the webhook's metadata says how many approvals promotion needs now; rejections always count
    const needed = check === 'promotion' ? required : asked?.required;
    if (asked && asked.revision === p.checksum && (needed ?? 0) > 0) {
      approval = { gate, required: needed ?? 0, verdicts: asked.verdicts };
    }
  }
  const releaseGate = await releaseGateOf(d.store, service, p.metadata['release-gate']);
  return decide(check, {
    now,
    incidents,
    ...(window ? { window } : {}),
    ...(approval ? { approval } : {}),
    ...(releaseGate ? { releaseGate } : {}),
  });
}

function requiredApprovals(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new DeployError(400, `metadata.approvals must be a whole number of approvals, got "${text}"`);
  }
  return n;
}

async function recordEvent(store: Store, p: FlaggerPayload, now: Date) {
  const ms = Number(p.metadata['timestamp']);
  const at = p.metadata['timestamp'] && Number.isFinite(ms) ? new Date(ms) : now;
  const event = {
    source: 'flagger',
    namespace: p.namespace,
    name: p.name,
    service: serviceOf(p),
    phase: p.phase,
    revision: p.checksum,
    ...(p.metadata['eventType'] ? { type: p.metadata['eventType'] } : {}),
    ...(p.metadata['eventMessage'] ? { message: p.metadata['eventMessage'] } : {}),
    at: at.toISOString(),
  };
  await store.recordExternalEvent(event);
  return { recorded: event };
}

/** Stores the answer as a gate decision when it differs from the last one for this gate and canary. */
async function remember(
  store: Store,
  gate: string,
  service: string,
  p: FlaggerPayload,
  out: { decision: string; reasons: string[]; at: string },
): Promise<void> {
  const environment = p.namespace;
  const last = (await store.decisions({ service, environment, limit: 50 })).find((r) => r.gate === gate);
  const same =
    last &&
    last.outcome === out.decision &&
    JSON.stringify(last.decision['reasons']) === JSON.stringify(out.reasons);
  if (same) return;
  const input = { canary: `${p.namespace}/${p.name}`, phase: p.phase, checksum: p.checksum };
  await store.recordDecision({
    gate,
    service,
    environment,
    outcome: out.decision,
    decision: out,
    input,
    inputDigest: inputDigest(input),
    evaluatedAt: out.at,
  });
}
