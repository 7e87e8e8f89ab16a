import { identityOf, ineligibility } from '../actions/approval/eligibility.ts';
import type { Pipeline } from '../config/pipeline.ts';
import type { Store } from '../store/store.ts';

/** Names an approval a controller outside Runway waits on: `flagger/NAMESPACE/NAME` or `argo/NAMESPACE/NAME`. */
export const EXTERNAL_GATE = /^(flagger|argo)\/[^/\s]+\/[^/\s]+$/;

/** Why a verdict on an external approval is refused; `kind` maps to the exit code. */
export class ExternalVerdictError extends Error {
  readonly kind: 'missing' | 'not-allowed' | 'repeated';
  constructor(kind: ExternalVerdictError['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

/**
 * Records a verdict on the revision a gate waits for now. With roles, the person must hold one in
 * runway.yaml's `roles:` (no pipeline file: nobody holds one); without, anyone named may decide.
 */
export async function giveExternalVerdict(
  store: Pick<Store, 'externalApproval' | 'recordExternalVerdict'>,
  v: { gate: string; who: string; verdict: 'approve' | 'reject'; comment?: string; at: Date },
  pipeline: Pipeline | undefined,
): Promise<{ gate: string; revision: string; approver: string; verdict: 'approve' | 'reject' }> {
  const asked = await store.externalApproval(v.gate);
  if (!asked) {
    throw new ExternalVerdictError(
      'missing',
      `nothing waits for an approval as ${v.gate} — has its confirm-promotion hook (Flagger) or pre-promotion gate (Argo) been called?`,
    );
  }
  if (asked.roles.length > 0) {
    const why = pipeline
      ? ineligibility(pipeline, v.who, asked.roles, '', false)
      : `${identityOf(v.who)} does not hold a role that may approve (${asked.roles.join(', ')}): no runway.yaml declares roles`;
    if (why) throw new ExternalVerdictError('not-allowed', why);
  }
  const approver = identityOf(v.who);
  const recorded = await store.recordExternalVerdict({
    gate: v.gate,
    revision: asked.revision,
    approver,
    verdict: v.verdict,
    ...(v.comment ? { comment: v.comment } : {}),
    at: v.at.toISOString(),
  });
  if (!recorded) {
    throw new ExternalVerdictError(
      'repeated',
      `${approver} already gave a verdict on ${v.gate} (revision ${asked.revision})`,
    );
  }
  return { gate: v.gate, revision: asked.revision, approver, verdict: v.verdict };
}
