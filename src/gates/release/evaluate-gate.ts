import type { EvidenceValue } from '../../actions/action.ts';
import type { IncidentRecord, Store } from '../../store/store.ts';
import { redactSecrets } from '../policy/input-digest.ts';
import type { AppliedOverride, Decision, Policy } from '../policy/policy.ts';
import type { Calendar } from '../windows/calendar.ts';
import { check } from '../windows/evaluate.ts';
import { fits } from '../windows/fits.ts';
import { plannedDurationMs, preset, PRESETS } from '../../rollout/presets.ts';
import { assembleGateInput } from './assemble-input.ts';
import type { ObservedSlo } from './slo-facts.ts';

export interface GateRequest {
  service?: string;
  version?: string;
  environment: string;
  tier?: number;
  evidence: Readonly<Record<string, EvidenceValue>>;
  calendar?: Calendar;
  policy: Policy;
  explicit?: Record<string, unknown>;
  at: Date;
  runId?: number;
  stepKey?: string;
  /** Whether a rollout must finish inside the window (`check`, the default) or may run past it. */
  inFlight?: 'check' | 'ignore';
  /** The SLO measured from the data plane (see assembleGateInput for how it meets declared values). */
  slo?: ObservedSlo;
  /** Why the SLO could not be read from a control plane that was asked; denies (rule `slo-source`). */
  sloError?: string;
}

export interface GateResult {
  decision: Decision;
  decisionId: number;
  input: unknown;
  /** When the window is closed: when it next opens. */
  opensAt?: Date;
}

/**
 * The release gate: assembles the input (evidence, window, incidents, the measured SLO), asks the
 * policy, and stores the decision before returning it. Any failure to decide is a deny (fail
 * closed), and so is an SLO that a control plane was asked for and could not give.
 */
export async function evaluateGate(store: Store, req: GateRequest): Promise<GateResult> {
  const window = req.calendar ? check(req.calendar, req.at) : undefined;
  const open = req.service ? await store.incidents({ service: req.service, open: true }) : [];
  const rollbacks = req.service
    ? await rollbacksWithin(store, req.service, req.environment, req.at)
    : undefined;
  const input = assembleGateInput({
    ...(req.service !== undefined ? { service: req.service } : {}),
    ...(req.version !== undefined ? { version: req.version } : {}),
    environment: req.environment,
    ...(req.tier !== undefined ? { tier: req.tier } : {}),
    evidence: req.evidence,
    ...(window ? { window } : {}),
    incidents: {
      p1: open.filter((i) => i.severity === 'P1').length,
      p2: open.filter((i) => i.severity === 'P2').length,
    },
    ...(rollbacks !== undefined ? { rollbacksLast24h: rollbacks } : {}),
    ...(req.explicit ? { explicit: req.explicit } : {}),
    ...(req.slo ? { slo: req.slo } : {}),
  });
  let decision: Decision;
  try {
    decision = await req.policy.evaluate(input, req.at);
  } catch (err) {
    decision = {
      outcome: 'deny',
      violations: [
        { rule: 'policy', message: `the policy failed: ${(err as Error).message}`, overridable: false },
      ],
      warnings: [],
      inputDigest: '',
      policy: { name: req.policy.name, version: req.policy.version },
      evaluatedAt: req.at.toISOString(),
      overrides: [],
    };
  }
  if (req.sloError !== undefined) {
    decision = {
      ...decision,
      outcome: 'deny',
      violations: [
        ...decision.violations,
        { rule: 'slo-source', message: `the SLO could not be read: ${req.sloError}`, overridable: true },
      ],
    };
  }
  decision = checkInFlight(decision, req);
  decision = nameIncidents(decision, open);
  decision = await applyOverrides(store, decision, req);
  const stored = redactSecrets(input);
  const decisionId = await store.recordDecision({
    ...(req.runId !== undefined ? { runId: req.runId } : {}),
    ...(req.stepKey !== undefined ? { stepKey: req.stepKey } : {}),
    gate: 'release',
    ...(req.service !== undefined ? { service: req.service } : {}),
    environment: req.environment,
    outcome: decision.outcome,
    ...(decision.strategy !== undefined ? { strategy: decision.strategy } : {}),
    decision: {
      ...decision,
      ...(window?.until && !window.open ? { windowOpensAt: window.until.toISOString() } : {}),
    },
    input: stored,
    inputDigest: decision.inputDigest,
    evaluatedAt: decision.evaluatedAt,
  });
  return {
    decision,
    decisionId,
    input: stored,
    ...(window && !window.open && window.until ? { opensAt: window.until } : {}),
  };
}

/**
 * Sets aside overridable violations covered by an active emergency override of this service and
 * environment; rules marked never overridable (critical CVEs, secrets) always stand.
 */
async function applyOverrides(store: Store, decision: Decision, req: GateRequest): Promise<Decision> {
  if (!req.service || decision.violations.length === 0) return decision;
  const active = await store.overrides({
    service: req.service,
    environment: req.environment,
    activeAt: req.at.toISOString(),
  });
  if (active.length === 0) return decision;
  const applied = new Map<number, AppliedOverride>();
  const remaining = decision.violations.filter((v) => {
    if (!v.overridable) return true;
    const o = active.find((x) => x.rules.length === 0 || x.rules.includes(v.rule));
    if (!o) return true;
    const entry = applied.get(o.id) ?? {
      id: o.id,
      grantedBy: o.grantedBy,
      reason: o.reason,
      expiresAt: o.expiresAt,
      waived: [],
    };
    entry.waived.push(v.rule);
    applied.set(o.id, entry);
    return false;
  });
  if (applied.size === 0) return decision;
  const overrides = [...applied.values()];
  return {
    ...decision,
    outcome: remaining.length === 0 ? 'allow' : 'deny',
    violations: remaining,
    warnings: [
      ...decision.warnings,
      ...overrides.map((o) => ({
        rule: 'override',
        message: `override ${o.id} by ${o.grantedBy} (${o.reason}, until ${o.expiresAt}) waived: ${o.waived.join(', ')}`,
      })),
    ],
    overrides,
  };
}

/**
 * The in-flight rule: a rollout whose planned duration (its strategy's pauses) would run past the
 * window's close is refused, and told when it could start instead.
 */
function checkInFlight(decision: Decision, req: GateRequest): Decision {
  if (!req.calendar || req.inFlight === 'ignore' || decision.outcome !== 'allow' || !decision.strategy)
    return decision;
  if (!Object.hasOwn(PRESETS, decision.strategy)) return decision;
  const duration = plannedDurationMs(preset(decision.strategy));
  const fit = fits(req.calendar, req.at, duration);
  if (fit.ok) return decision;
  const when = fit.startAt ? `; it can start at ${fit.startAt.toISOString()}` : '';
  return {
    ...decision,
    outcome: 'deny',
    violations: [
      ...decision.violations,
      {
        rule: 'in-flight',
        message: `a ${decision.strategy} rollout would not finish in the window: ${fit.reason}${when}`,
        overridable: true,
      },
    ],
  };
}

/** How far back rollbacks count against a service (the seed: the last 24 hours). */
const ROLLBACK_WINDOW_MS = 24 * 3_600_000;

/**
 * Rollbacks of the service in the environment in the 24 hours before `at`, from the control
 * plane's rollouts: those that ended rolled back (the new version had traffic). Rehearsals —
 * rollouts whose new version had injected faults — do not count.
 */
async function rollbacksWithin(
  store: Store,
  service: string,
  environment: string,
  at: Date,
): Promise<number> {
  const since = at.getTime() - ROLLBACK_WINDOW_MS;
  const rollouts = await store.rollouts({ service, environment, limit: 1000 });
  return rollouts.filter((r) => {
    if (r.state.phase !== 'rolled-back' || r.rehearsal) return false;
    const ended = Date.parse(r.state.finishedAt ?? r.updatedAt);
    return ended > since && ended <= at.getTime();
  }).length;
}

/** Names the open P1 incidents in the p1-incidents violation, so a denied run says which to look at. */
function nameIncidents(decision: Decision, open: IncidentRecord[]): Decision {
  const p1 = open.filter((i) => i.severity === 'P1');
  if (p1.length === 0) return decision;
  const names = p1.map((i) => `${i.id} "${i.title}"`).join(', ');
  return {
    ...decision,
    violations: decision.violations.map((v) =>
      v.rule === 'p1-incidents' ? { ...v, message: `${v.message} (open: ${names})` } : v,
    ),
  };
}
