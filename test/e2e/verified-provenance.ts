/*
 * A pipeline step that earns SLSA build level 3 the only way the release gate accepts: verify-attestation
 * on real provenance (sigstore-js's npm provenance, public-good Sigstore, verified offline), with a level
 * policy rule that grants its verified signer level 3.
 */
import { join } from 'node:path';
import { REPO } from './helpers.ts';

const SIGSTORE = join(REPO, 'test', 'fixtures', 'sigstore');
const IDENTITY = 'https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main';

/** The step, indented as an item of a stage's `steps:`. */
export const VERIFIED_SLSA_3_STEP = `      - uses: verify-attestation
        with:
          path: ${join(SIGSTORE, 'sigstore-2.1.0.tgz')}
          attestation: ${join(SIGSTORE, 'sigstore-2.1.0-npm-provenance.sigstore.json')}
          trusted-root: ${join(SIGSTORE, 'public-good-trusted-root.cli-testdata.json')}
          certificate-identity: ${IDENTITY}
          certificate-oidc-issuer: https://token.actions.githubusercontent.com
          builders:
            - { builder: https://github.com/actions/runner/github-hosted, signer: '${IDENTITY}', level: 3 }
`;
