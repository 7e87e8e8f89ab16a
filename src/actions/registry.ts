import type { Action } from './action.ts';
import { approval } from './approval/approval.ts';
import { attest } from './attest/attest.ts';
import { commitlint } from './commitlint/commitlint.ts';
import { deploy } from './deploy/deploy.ts';
import { evidence } from './evidence/evidence.ts';
import { gateCoverage } from './gate-coverage/gate-coverage.ts';
import { gateImageSize } from './gate-image-size/gate-image-size.ts';
import { gateLicenses } from './gate-licenses/gate-licenses.ts';
import { gateRelease } from './gate-release/gate-release.ts';
import { gateSarif } from './gate-sarif/gate-sarif.ts';
import { gateTests } from './gate-tests/gate-tests.ts';
import { notify } from './notify/notify.ts';
import { rollout } from './rollout/rollout.ts';
import { sbom } from './sbom/sbom.ts';
import { scanSecrets } from './scan-secrets/scan-secrets.ts';
import { verifyAttestation } from './verify-attestation/verify-attestation.ts';

/** Every built-in action by its `uses:` name. */
export const ACTIONS: ReadonlyMap<string, Action> = new Map(
  [
    approval,
    attest,
    commitlint,
    deploy,
    evidence,
    gateCoverage,
    gateImageSize,
    gateLicenses,
    gateRelease,
    gateSarif,
    gateTests,
    notify,
    rollout,
    sbom,
    scanSecrets,
    verifyAttestation,
  ].map((a) => [a.name, a]),
);

/** The action named `name`, or an error that lists the valid names. */
export function getAction(name: string): Action {
  const action = ACTIONS.get(name);
  if (!action)
    throw new Error(`unknown action "${name}", expected one of: ${[...ACTIONS.keys()].join(', ')}`);
  return action;
}
