import type { EvidenceValue } from '../../actions/action.ts';
import type { GateInput } from '../policy/gate-input.ts';
import type { WindowCheck } from '../windows/calendar.ts';
import { SLO_FIELDS } from './slo-facts.ts';
import type { ObservedSlo, SloField } from './slo-facts.ts';

/** Facts about the release the gate is asked about; anything unknown is left out (and then denies). */
export interface GateFacts {
  service?: string;
  version?: string;
  environment: string;
  tier?: number;
  image?: string;
  evidence: Readonly<Record<string, EvidenceValue>>;
  /** The window at the evaluation time; without one, only a declared `window` counts (missing denies). */
  window?: WindowCheck;
  incidents: { p1: number; p2: number };
  /** Rollbacks of this service in the last 24 hours, when known. */
  rollbacksLast24h?: number;
  /** The SLO Runway measured from the data plane, when the pipeline declares one and the control plane answered. */
  slo?: ObservedSlo;
  /** Explicit input (from `with: input:` or `--input`), merged last. */
  explicit?: Record<string, unknown>;
}

/**
 * Evidence keys that fill the seed's gate input. Keys written as the input's own paths
 * (`gates.security.high_cves`, `slo.fast_burn_rate`) are taken as they are; these are the
 * conventional names Runway's actions and the demo write.
 */
export const EVIDENCE_ALIASES: Readonly<Record<string, string>> = {
  'coverage.lines': 'gates.quality.coverage',
  golden_path: 'gates.quality.golden_path',
  'sarif.critical': 'gates.security.critical_cves',
  'sarif.high': 'gates.security.high_cves',
  'secrets.found': 'gates.security.secrets_found',
  'attest.signed': 'gates.security.image_signed',
  'attest.slsa_level': 'gates.security.slsa_level',
};

/**
 * Builds the gate input in the shape of the seed's gate-input.json. Precedence, lowest first:
 * explicit input, then the run's evidence, then what Runway observes itself (the window, and
 * incidents: the larger of the declared and the recorded count, so a stale file cannot hide one;
 * the measured SLO likewise: the worse of the declared and the measured number, see mergeSlo).
 */
export function assembleGateInput(facts: GateFacts): GateInput {
  const input: Record<string, unknown> = structuredClone(facts.explicit ?? {});
  const set = (key: string, value: unknown) => {
    if (value !== undefined) input[key] = value;
  };
  set('service', facts.service);
  set('version', facts.version);
  set('environment', facts.environment);
  set('image', facts.image);
  set('tier', facts.tier);
  for (const [key, value] of Object.entries(facts.evidence)) {
    const path = EVIDENCE_ALIASES[key] ?? (/^(gates|slo)\./.test(key) ? key : undefined);
    if (path) setPath(input, path, value);
  }
  // tests.failed = 0 means the unit tests passed, unless something said otherwise explicitly
  const failed = facts.evidence['tests.failed'];
  if (typeof failed === 'number' && facts.evidence['gates.quality.unit_tests'] === undefined) {
    setPath(input, 'gates.quality.unit_tests', failed === 0 ? 'pass' : 'fail');
  }
  if (facts.window) {
    input['window'] = {
      open: facts.window.open,
      ...(facts.window.reason ? { reason: facts.window.reason } : {}),
    };
  }
  // counts: the larger of declared and recorded; a declared value that is not a count stays, so it denies
  const merge = (key: string, recorded: number) => {
    const declared = getPath(input, `slo.${key}`);
    if (declared === undefined) setPath(input, `slo.${key}`, recorded);
    else if (typeof declared === 'number' && Number.isFinite(declared) && declared >= 0) {
      setPath(input, `slo.${key}`, Math.max(declared, recorded));
    }
  };
  merge('active_p1_incidents', facts.incidents.p1);
  merge('active_p2_incidents', facts.incidents.p2);
  if (facts.rollbacksLast24h !== undefined) merge('rollbacks_last_24h', facts.rollbacksLast24h);
  if (facts.slo) mergeSlo(input, facts.slo);
  return input as GateInput;
}

const SLO_LABEL: Readonly<Record<SloField, string>> = {
  error_budget_remaining: 'error budget',
  fast_burn_rate: 'fast burn rate',
  slow_burn_rate: 'slow burn rate',
};

/**
 * Observed facts only make the gate stricter, as incidents do. A measured number meets the declared
 * one (explicit input or evidence) and the worse wins: the lower budget, the higher burn rate. A
 * declared value that is not a valid number stays, so it denies. A number measured without enough
 * data is unknown: `slo.status` becomes `insufficient-data` and `slo.reason` says what and why; a
 * declared number stays (a bad one must still deny), marked as not checked. Otherwise
 * `slo.status` is `measured`.
 */
function mergeSlo(input: Record<string, unknown>, observed: ObservedSlo): void {
  const reasons: string[] = [];
  for (const field of SLO_FIELDS) {
    const path = `slo.${field}`;
    const declared = getPath(input, path);
    const measured = observed.values[field];
    if (measured !== undefined) {
      if (declared === undefined) setPath(input, path, measured);
      else if (validSloValue(field, declared)) setPath(input, path, worse(field, declared, measured));
      continue;
    }
    const unchecked =
      declared === undefined ? '' : ` (the declared ${JSON.stringify(declared)} could not be checked)`;
    reasons.push(`${SLO_LABEL[field]} unknown: ${observed.unknown[field] ?? 'no reason given'}${unchecked}`);
  }
  setPath(input, 'slo.status', reasons.length > 0 ? 'insufficient-data' : 'measured');
  if (reasons.length > 0) setPath(input, 'slo.reason', reasons.join('; '));
  else delete (input['slo'] as Record<string, unknown>)['reason'];
}

function validSloValue(field: SloField, value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isFinite(value) && (field === 'error_budget_remaining' || value >= 0)
  );
}

function worse(field: SloField, a: number, b: number): number {
  return field === 'error_budget_remaining' ? Math.min(a, b) : Math.max(a, b);
}

/** Sets a dotted path (`gates.security.high_cves`) in a plain object, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}

function getPath(target: Record<string, unknown>, path: string): unknown {
  let node: unknown = target;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
