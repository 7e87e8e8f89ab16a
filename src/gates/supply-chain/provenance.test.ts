import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeBase64, parseEnvelopes } from './dsse.ts';
import {
  buildProvenance,
  parseStatement,
  readProvenance,
  RUNWAY_BUILD_TYPE,
  SLSA_PROVENANCE_V1,
  STATEMENT_V1,
  StatementError,
} from './provenance.ts';

const FIXTURES = new URL('../../../test/fixtures/supply-chain/attestations/', import.meta.url).pathname;
const statementOf = (name: string) =>
  parseStatement(decodeBase64(parseEnvelopes(readFileSync(FIXTURES + name, 'utf8'))[0]!.payload, 'payload'));

describe('in-toto statements and SLSA provenance', () => {
  it("reads GitHub's build provenance: statement v1, SLSA v1, subject digest, builder", () => {
    const statement = statementOf('github-attest-build-provenance-sigstore-bundle-v0.3.jsonl');
    assert.equal(statement._type, STATEMENT_V1);
    assert.equal(statement.predicateType, SLSA_PROVENANCE_V1);
    assert.deepEqual(statement.subject, [
      {
        name: 'github_provenance_demo-0.0.12-py3-none-any.whl',
        digest: { sha256: 'ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b' },
      },
    ]);
    const provenance = readProvenance(statement);
    assert.equal(
      provenance.buildType,
      'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
    );
    assert.equal(provenance.builderId, 'https://github.com/actions/runner/github-hosted');
    assert.deepEqual(provenance.externalParameters['workflow'], {
      ref: 'refs/heads/main',
      repository: 'https://github.com/actions/attest-demo',
      path: '.github/workflows/build-python.yml',
    });
    assert.equal(
      provenance.resolvedDependencies[0]?.uri,
      'git+https://github.com/actions/attest-demo@refs/heads/main',
    );
    assert.equal(provenance.slsaLevel, undefined, 'only Runway provenance records a level Runway reads');
    assert.deepEqual(
      statement,
      parseStatement(readFileSync(FIXTURES + 'github-attest-build-provenance-statement-v1.decoded.json')),
    );
  });

  it("reads slsa-github-generator's Bazel provenance (statement v0.1, SLSA v1)", () => {
    const statement = statementOf('slsa-github-generator-bazel-dsse-slsa-v1.json');
    assert.equal(statement.subject[0]?.name, 'fib');
    const provenance = readProvenance(statement);
    assert.match(provenance.builderId, /^https:\/\/github\.com\/slsa-framework\/slsa-github-generator\//);
    assert.equal(
      provenance.buildType,
      'https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0',
    );
  });

  it('tells SLSA v0.2 provenance, VSAs and SBOM attestations apart from SLSA v1 provenance', () => {
    const cases: [string, RegExp][] = [
      [
        'slsa-github-generator-generic-v1.10.0-dsse-slsa-v0.2.intoto.jsonl',
        /"https:\/\/slsa\.dev\/provenance\/v0\.2"/,
      ],
      ['google-bcid-vsa-dsse-statement-v1.jsonl', /"https:\/\/slsa\.dev\/verification_summary\/v1"/],
      ['trivy-centos-7-cyclonedx-dsse.intoto.jsonl', /"https:\/\/cyclonedx\.org\/bom"/],
    ];
    for (const [name, type] of cases) {
      const statement = statementOf(name);
      assert.ok(statement.subject.length > 0);
      assert.throws(() => readProvenance(statement), StatementError, name);
      assert.throws(() => readProvenance(statement), type, name);
    }
  });

  it('builds Runway provenance that reads back with its level', () => {
    const statement = buildProvenance({
      subject: { name: 'dist', digest: { dirHash: 'h1:abc=' } },
      builderId: 'runway',
      slsaLevel: 2,
      externalParameters: { pipeline: 'checkout-api', ref: 'refs/heads/main' },
      resolvedDependencies: [
        { uri: 'git+https://example.com/r.git@refs/heads/main', digest: { gitCommit: 'abc' } },
      ],
      invocationId: 'runway:checkout-api/runs/7',
      finishedOn: '2026-05-04T10:00:00.000Z',
    });
    const read = readProvenance(parseStatement(Buffer.from(JSON.stringify(statement))));
    assert.equal(read.buildType, RUNWAY_BUILD_TYPE);
    assert.equal(read.builderId, 'runway');
    assert.equal(read.slsaLevel, 2);
    assert.deepEqual(read.resolvedDependencies[0]?.digest, { gitCommit: 'abc' });
  });

  it('names the missing field of a malformed statement', () => {
    const cases: [string, RegExp][] = [
      ['{', /the payload is not JSON/],
      ['{"_type":"x"}', /_type is "x", expected "https:\/\/in-toto\.io\/Statement\/v1"/],
      [`{"_type":"${STATEMENT_V1}","subject":[]}`, /subject is missing or empty/],
      [`{"_type":"${STATEMENT_V1}","subject":[{"name":"a"}]}`, /subject\[0\]\.digest is missing/],
      [`{"_type":"${STATEMENT_V1}","subject":[{"digest":{"sha256":1}}]}`, /not a string/],
      [
        `{"_type":"${STATEMENT_V1}","subject":[{"digest":{"sha256":"a"}}],"predicateType":"p"}`,
        /predicate is missing/,
      ],
    ];
    for (const [text, message] of cases)
      assert.throws(() => parseStatement(Buffer.from(text)), message, text);
    const noBuilder = parseStatement(
      Buffer.from(
        JSON.stringify({
          _type: STATEMENT_V1,
          subject: [{ digest: { sha256: 'a' } }],
          predicateType: SLSA_PROVENANCE_V1,
          predicate: { buildDefinition: { buildType: 'b', externalParameters: {} }, runDetails: {} },
        }),
      ),
    );
    assert.throws(() => readProvenance(noBuilder), /predicate\.runDetails\.builder\.id is missing/);
  });
});
