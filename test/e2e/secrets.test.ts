import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { project, runway } from './helpers.ts';

const TOKEN = 'tok_4f9a7c2e1b8d6350';
const KEY = 'line-one-of-the-key\nline-two-of-the-key';

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

test('secret values never reach the terminal, the logs, outputs or the store', async () => {
  const dir = project(
    `
version: 1
secrets:
  API_TOKEN: { env: DEPLOY_TOKEN }
  SIGNING_KEY: { file: signing.key }
stages:
  leak:
    steps:
      - id: print
        env: { TOKEN: '\${{ secrets.API_TOKEN }}', KEY: '\${{ secrets.SIGNING_KEY }}' }
        run: |
          echo "token is $TOKEN"
          echo "token on stderr $TOKEN" >&2
          printf '%s' "$TOKEN" | fold -w 3          # split across lines
          echo
          for c in $(echo "$TOKEN" | fold -w 4); do printf '%s' "$c"; sleep 0.05; done   # split across writes
          echo
          echo "$KEY"
          echo "the key: $KEY" | tr '\\n' ' '
          echo "leaked=$TOKEN" >> "$RUNWAY_OUTPUT"
          echo "token.copy=$TOKEN" >> "$RUNWAY_EVIDENCE"
          echo "$TOKEN=as-a-key" >> "$RUNWAY_OUTPUT"
          echo "$TOKEN=as-a-key" >> "$RUNWAY_EVIDENCE"
          printf 'escaped %s\\033[0m%s\\n' "\${TOKEN%????????}" "\${TOKEN#\${TOKEN%????????}}"   # a colour reset inside it
          exit 1
`,
    { 'signing.key': `${KEY}\n` },
  );
  const env = { DEPLOY_TOKEN: TOKEN };
  const plain = await runway(['run', '--message', 'chore: s'], { cwd: dir, env });
  const json = await runway(['run', '--message', 'chore: s', '--json'], { cwd: dir, env });
  assert.equal(plain.code, 1);
  assert.match(plain.stdout, /token is \*\*\*/);
  const details = await runway(['runs', '--json'], { cwd: dir });
  const logs = await runway(['logs', '1'], { cwd: dir });
  const stored = allFiles(join(dir, '.runway'))
    .map((f) => readFileSync(f, 'latin1'))
    .join('\n');
  const everything = [
    plain.stdout,
    plain.stderr,
    json.stdout,
    json.stderr,
    details.stdout,
    logs.stdout,
    stored,
  ].join('\n');
  for (const secret of [TOKEN, ...KEY.split('\n')]) {
    const parts = {
      plain: plain.stdout + plain.stderr,
      json: json.stdout + json.stderr,
      details: details.stdout,
      logs: logs.stdout,
      stored,
    };
    for (const [where, text] of Object.entries(parts)) {
      assert.ok(!text.includes(secret), `secret ${JSON.stringify(secret)} leaked in ${where}`);
    }
  }
  // folded into 3-character pieces the token is no longer the secret text, but no piece may rebuild it
  assert.ok(!everything.replace(/\n.*?\| /g, '').includes(TOKEN));
  // a terminal shows text with its escape sequences removed: the token must not appear there either
  // eslint-disable-next-line no-control-regex -- terminal escapes are the point
  const onScreen = (text: string) => text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '');
  for (const [where, text] of Object.entries({
    plain: plain.stdout,
    logs: logs.stdout,
    details: details.stdout,
  })) {
    assert.ok(!onScreen(text).includes(TOKEN), `the token shows on screen in ${where}`);
  }
  assert.match(logs.stdout, /escaped \*\*\*/);
  assert.match(details.stdout, /"\*\*\*": "as-a-key"/);
  assert.match(logs.stdout, /token on stderr \*\*\*/);
  assert.match(details.stdout, /"leaked": "\*\*\*"/);
  assert.match(details.stdout, /"key": "token.copy",\s+"value": "\*\*\*"/);
});

test('a declared secret that is not provided stops the run before anything runs', async () => {
  const dir = project(`
version: 1
secrets: { API_TOKEN: { env: NOT_SET_ANYWHERE } }
stages: { a: { steps: [ { run: touch ran } ] } }
`);
  const res = await runway(['run', '--message', 'chore: s'], { cwd: dir });
  assert.equal(res.code, 2);
  assert.match(res.stderr, /missing secrets: API_TOKEN \(environment variable NOT_SET_ANYWHERE is not set\)/);
  assert.deepEqual(readdirSync(dir).sort(), ['runway.yaml']);
});
