import type { Store } from '../store/store.ts';
import type { CheckFacts } from './release-check.ts';

/**
 * The newest `gate/release` (or `runway gate evaluate`) decision of the service in `environment`,
 * when the caller asks for one: a Flagger canary or Argo Rollout then waits for an allowed release.
 */
export async function releaseGateOf(
  store: Pick<Store, 'decisions'>,
  service: string,
  environment: string | undefined,
): Promise<NonNullable<CheckFacts['releaseGate']> | undefined> {
  if (environment === undefined) return undefined;
  const found = (await store.decisions({ service, environment, limit: 50 })).find(
    (r) => r.gate === 'release',
  );
  if (!found) return { environment };
  const listed = found.decision['violations'];
  const violations = (Array.isArray(listed) ? (listed as { rule?: unknown; message?: unknown }[]) : []).map(
    (v) => `${String(v.rule)}: ${String(v.message)}`,
  );
  return { environment, newest: { outcome: found.outcome, evaluatedAt: found.evaluatedAt, violations } };
}
