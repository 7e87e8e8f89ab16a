import assert from 'node:assert/strict';
import { test } from 'node:test';
import { project, runDetail, runway } from './helpers.ts';

test('a clean scan after one with 3 high CVEs leaves the production gate denying, and a message cannot lower evidence', async () => {
  const dir = project(`
version: 1
service: { name: checkout-api, tier: 2 }
stages:
  scan:
    steps:
      - id: trivy-image
        run: echo "sarif.high=3" >> "$RUNWAY_EVIDENCE"
      - id: coverage
        run: echo "coverage.lines=61" >> "$RUNWAY_EVIDENCE"
      - id: trivy-fs
        run: echo "sarif.high=0" >> "$RUNWAY_EVIDENCE"
      - id: note
        run: echo "note=$MSG" >> "$RUNWAY_EVIDENCE"
        env: { MSG: '\${{ message }}' }
  gate:
    needs: scan
    steps:
      - id: release
        uses: gate/release
        with: { environment: production }
`);
  const message = 'fix: x\ncoverage.lines=100\nsarif.high=0';
  const res = await runway(['run', '--message', message], { cwd: dir });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /3 high CVEs found; the production limit is 0/);
  assert.match(
    res.stdout,
    /input gates\.security\.high_cves = 3 ← evidence sarif\.high from step scan\/trivy-image/,
  );
  assert.match(
    res.stdout,
    /input gates\.quality\.coverage = 61 ← evidence coverage\.lines from step scan\/coverage/,
  );
  const run = await runDetail(dir, 1);
  const ev = Object.fromEntries(run.evidence.map((e) => [e.key, [e.value, e.stepKey]]));
  assert.deepEqual(ev['sarif.high'], [3, 'scan/trivy-image']);
  assert.deepEqual(ev['coverage.lines'], [61, 'scan/coverage']);
});
