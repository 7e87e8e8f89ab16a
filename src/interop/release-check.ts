/*
 * Runway's answer to a controller outside it (Flagger, Argo Rollouts) that asks whether a canary
 * may go on: a pure function of the deployment window, the service's open incidents and, before
 * promotion, the approvals. Fail closed: anything unknown is a reason to wait.
 */
import type { Calendar } from '../gates/windows/calendar.ts';
import { check } from '../gates/windows/evaluate.ts';
import type { ExternalVerdictRecord, IncidentRecord } from '../store/store.ts';

/** What is asked: start, more traffic, promotion, whether the canary is healthy, whether to roll back. */
export const CHECKS = ['start', 'traffic', 'promotion', 'health', 'rollback'] as const;
export type Check = (typeof CHECKS)[number];

/** What the answer is computed from. */
export interface CheckFacts {
  now: Date;
  /** The deployment window, when one is configured. */
  window?: Calendar;
  /** The service's open incidents. */
  incidents: readonly IncidentRecord[];
  /** The approval asked for before promotion, when one is required. */
  approval?: { gate: string; required: number; verdicts: readonly ExternalVerdictRecord[] };
  /**
   * When the release gate must have allowed: the newest `gate/release` decision for the service in
   * that environment (undefined: there is none).
   */
  releaseGate?: {
    environment: string;
    newest?: { outcome: string; evaluatedAt: string; violations: string[] };
  };
}

/** `go` true lets the canary go on (for `rollback`: roll it back); `reasons` say why not (or why). */
export interface CheckAnswer {
  check: Check;
  go: boolean;
  reasons: string[];
  at: string;
}

/**
 * Decides one check.
 * @example decide('start', { now, window: businessHours(), incidents: [] }) // { go: false, reasons: ['outside deployment window business-hours: weekend, opens 2026-11-23T09:00:00.000Z'] }
 */
export function decide(kind: Check, f: CheckFacts): CheckAnswer {
  const answer = (go: boolean, reasons: string[]): CheckAnswer => ({
    check: kind,
    go,
    reasons,
    at: f.now.toISOString(),
  });
  const p1 = f.incidents
    .filter((i) => i.severity === 'P1')
    .map((i) => `P1 incident open: ${i.id} (${i.title})`);
  const rejected = (f.approval?.verdicts ?? [])
    .filter((v) => v.verdict === 'reject')
    .map((v) => `rejected by ${v.approver}${v.comment ? `: ${v.comment}` : ''}`);

  // roll back on a P1 or a rejection
  if (kind === 'rollback') {
    const why = [...p1, ...rejected];
    return answer(why.length > 0, why.length > 0 ? why : ['no open P1 incident and no rejection']);
  }

  // a P1 stops everything
  const reasons = [...p1];
  if (kind === 'health') return answer(reasons.length === 0, reasons);

  // the deployment window
  if (f.window) {
    const w = check(f.window, f.now);
    if (!w.open) {
      const opens = w.until ? `, opens ${w.until.toISOString()}` : '';
      reasons.push(`outside deployment window ${f.window.name}: ${w.reason ?? 'closed'}${opens}`);
    }
  }

  // the release gate's newest decision, before rollout and promotion
  if (f.releaseGate && (kind === 'start' || kind === 'promotion')) {
    const { environment, newest } = f.releaseGate;
    if (!newest) reasons.push(`no release gate decision for ${environment} yet`);
    else if (newest.outcome !== 'allow') {
      const why = newest.violations.length > 0 ? `: ${newest.violations.join('; ')}` : '';
      reasons.push(`release gate for ${environment} ${newest.outcome} at ${newest.evaluatedAt}${why}`);
    }
  }

  // approvals before promotion
  if (kind === 'promotion' && f.approval) {
    const approvers = f.approval.verdicts.filter((v) => v.verdict === 'approve').map((v) => v.approver);
    reasons.push(...rejected);
    if (approvers.length < f.approval.required) {
      reasons.push(
        `waiting for approval (${approvers.length} of ${f.approval.required}): runway approve ${f.approval.gate}`,
      );
    }
  }
  return answer(reasons.length === 0, reasons);
}
