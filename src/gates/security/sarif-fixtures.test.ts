import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ESLINT_SAMPLES, lintToSarif } from '../../../test/fixtures/sarif/eslint-sample/generate.ts';

const FIXTURES = new URL('../../../test/fixtures/sarif/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));

/** Git blob ids of the Semgrep snapshots in semgrep/semgrep@6568da50 (see the fixtures README). */
const SEMGREP_BLOBS = {
  'semgrep-with-source.sarif': 'fae6654f6d7db5513281b82d798f23b62a1e577a',
  'semgrep-rule-board.sarif': 'f71a9e540bd0c428d40c5d2b0ac766a64f1da540',
  'semgrep-include-nosemgrep.sarif': 'ca322e5095d438457c010d6f650149c4a2a7260f',
  'semgrep-dataflow-traces.sarif': '34b34ce422683eb89d75abda2fbc7be4b7a15f89',
  'semgrep-when-errors.sarif': '4626ae54741b6a825e9a0719d0517f57f1ee4730',
} as const;

/** What of an ESLint SARIF log must not drift: each result and notification, without paths or text. */
function essence(text: string): unknown {
  const run = (JSON.parse(text) as { runs: Record<string, unknown>[] }).runs[0] ?? {};
  const item = (r: Record<string, unknown>) => {
    const region = (r['locations'] as { physicalLocation: { region?: Record<string, unknown> } }[])[0]
      ?.physicalLocation.region;
    const kinds = r['suppressions'] as { kind: string }[] | undefined;
    return [
      r['ruleId'] ?? (r['descriptor'] as { id: string }).id,
      r['level'],
      region?.['startLine'],
      region?.['startColumn'],
      kinds?.map((s) => s.kind),
    ];
  };
  const invocation = (run['invocations'] as Record<string, unknown>[] | undefined)?.[0] ?? {};
  return {
    tool: (run['tool'] as { driver: { name: string } }).driver.name,
    results: (run['results'] as Record<string, unknown>[]).map(item),
    notifications: ((invocation['toolConfigurationNotifications'] ?? []) as Record<string, unknown>[]).map(
      item,
    ),
    executionSuccessful: invocation['executionSuccessful'],
  };
}

describe('SARIF fixtures are what the real tools wrote', () => {
  for (const sample of ESLINT_SAMPLES)
    it(`${sample.sarif} is what this repository's ESLint writes for ${sample.source}`, () => {
      assert.deepEqual(
        essence(lintToSarif(sample)),
        essence(fixture(sample.sarif).toString('utf8')),
        'regenerate with: node test/fixtures/sarif/eslint-sample/generate.ts',
      );
    });

  it('the Semgrep files are byte for byte the upstream snapshots', () => {
    for (const [name, blob] of Object.entries(SEMGREP_BLOBS)) {
      const bytes = fixture(name);
      const id = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
      assert.equal(id, blob, name);
    }
  });
});
