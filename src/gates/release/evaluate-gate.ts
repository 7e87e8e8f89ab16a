import type { EvidenceValue } from '../../actions/action.ts';
import type { Store } from '../../store/store.ts';
import { redactSecrets } from '../policy/input-digest.ts';
import type { Decision, Policy } from '../policy/policy.ts';
import type { Calendar } from '../windows/calendar.ts';
import { check } from '../windows/evaluate.ts';
import { assembleGateInput } from './assemble-input.ts';

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
}

export interface GateResult {
  decision: Decision;
  decisionId: number;
  input: unknown;
  /** When the window is closed: when it next opens. */
  opensAt?: Date;
}

/**
 * The release gate: assembles the input (evidence, window, incidents), asks the policy, and
 * stores the decision before returning it. Any failure to decide is a deny (fail closed).
 */
export async function evaluateGate(store: Store, req: GateRequest): Promise<GateResult> {
  const window = req.calendar ? check(req.calendar, req.at) : { open: true };
  const open = req.service ? await store.incidents({ service: req.service, open: true }) : [];
  const input = assembleGateInput({
    ...(req.service !== undefined ? { service: req.service } : {}),
    ...(req.version !== undefined ? { version: req.version } : {}),
    environment: req.environment,
    ...(req.tier !== undefined ? { tier: req.tier } : {}),
    evidence: req.evidence,
    window,
    incidents: {
      p1: open.filter((i) => i.severity === 'P1').length,
      p2: open.filter((i) => i.severity === 'P2').length,
    },
    ...(req.explicit ? { explicit: req.explicit } : {}),
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
      ...(window.until && !window.open ? { windowOpensAt: window.until.toISOString() } : {}),
    },
    input: stored,
    inputDigest: decision.inputDigest,
    evaluatedAt: decision.evaluatedAt,
  });
  return {
    decision,
    decisionId,
    input: stored,
    ...(!window.open && window.until ? { opensAt: window.until } : {}),
  };
}
