/**
 * The code every built-in action runs, in one module that each action's run() imports on first use.
 * One module rather than one per action: the bundle then keeps it in few chunks, and loading a
 * pipeline (runway validate, the start of runway run) loads none of it (registry.test.ts).
 */
export { run as attest } from './attest/attest-run.ts';
export { run as commitlint } from './commitlint/commitlint-run.ts';
export { run as gateCoverage } from './gate-coverage/gate-coverage-run.ts';
export { run as gateImageSize } from './gate-image-size/gate-image-size-run.ts';
export { run as gateLicenses } from './gate-licenses/gate-licenses-run.ts';
export { run as gateRelease } from './gate-release/gate-release-run.ts';
export { run as gateSarif } from './gate-sarif/gate-sarif-run.ts';
export { run as gateTests } from './gate-tests/gate-tests-run.ts';
export { run as notify } from './notify/notify-run.ts';
export { run as sbom } from './sbom/sbom-run.ts';
export { run as scanSecrets } from './scan-secrets/scan-secrets-run.ts';
export { run as verifyAttestation } from './verify-attestation/verify-attestation-run.ts';
export { controlPlane, environmentOf, releaseRequest, runRollout } from './deploy/release.ts';
