import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { shannonEntropy } from './secret-rules.ts';
import { fake, SAMPLES } from './secret-samples.fixture.ts';
import { fingerprintOf, isAllowed, scanDirectory, scanText } from './secret-scan.ts';

const GITLEAKS_FILES = new URL('../../../test/fixtures/supply-chain/secrets/gitleaks-files/', import.meta.url)
  .pathname;
const scratch = mkdtempSync(join(tmpdir(), 'runway-secret-scan-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('secret rules', () => {
  it('finds each kind of secret with rule, line, column and fingerprint, never the secret', () => {
    const text = [
      `const aws = "${SAMPLES.aws}";`,
      `token: ${SAMPLES.github}`,
      `  fine = '${SAMPLES.githubFine}'`,
      `SLACK=${SAMPLES.slack}`,
      `stripe.key = "${SAMPLES.stripe}"`,
      `Authorization: Bearer ${SAMPLES.jwt}`,
      `db_password = "${SAMPLES.password}"`,
    ].join('\n');
    const findings = scanText(text, 'app/config.ts');
    assert.deepEqual(
      findings.map((f) => `${f.rule} ${f.file}:${f.line}:${f.column}`),
      [
        'aws-access-key-id app/config.ts:1:14',
        'github-token app/config.ts:2:8',
        'github-fine-grained-token app/config.ts:3:11',
        'slack-token app/config.ts:4:7',
        'stripe-live-key app/config.ts:5:15',
        'jwt app/config.ts:6:23',
        'generic-secret app/config.ts:7:16',
      ],
    );
    assert.equal(findings[1]?.fingerprint, fingerprintOf(SAMPLES.github));
    assert.match(findings[1]?.fingerprint ?? '', /^[0-9a-f]{12}$/);
    const serialized = JSON.stringify(findings);
    for (const secret of Object.values(SAMPLES)) assert.ok(!serialized.includes(secret));
  });

  it('finds a PEM private key block, at its BEGIN line', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    }) as string;
    const findings = scanText(`# keys\n${pem}\nkey = """\n${rsa}"""\n`, 'keys.txt');
    assert.deepEqual(
      findings.map((f) => `${f.rule}:${f.line}:${f.column}`),
      ['private-key:2:1', 'private-key:7:1'],
    );
    assert.deepEqual(scanText('-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n', 'doc.md'), []);
  });

  it('reports one finding when a specific rule and the generic one see the same secret', () => {
    const findings = scanText(`GITHUB_TOKEN=${SAMPLES.github}\napi_key: "${SAMPLES.stripe}"`, '.env');
    assert.deepEqual(
      findings.map((f) => f.rule),
      ['github-token', 'stripe-live-key'],
    );
  });

  it('finds the secrets Gitleaks finds in its own test files, on the same lines', () => {
    const find = (name: string) =>
      scanText(readFileSync(join(GITLEAKS_FILES, name), 'utf8'), name).map(
        (f) => `${f.rule} ${f.line}:${f.column} ${f.fingerprint}`,
      );
    assert.deepEqual(find('api.go'), [`aws-access-key-id 20:15 ${fingerprintOf('AKIALALEMEL33243OLIA')}`]); // runway:allow-secret
    assert.deepEqual(find('main.go'), [`aws-access-key-id 20:15 ${fingerprintOf('AKIALALEMEL33243OLIA')}`]); // runway:allow-secret
    assert.deepEqual(find('.env.prod'), [`generic-secret 4:13 ${fingerprintOf('8ae31cacf141669ddfb5da')}`]);
  });

  it('skips low-entropy look-alikes, placeholders, documented examples and lines marked allowed', () => {
    const quiet = [
      'password = "aaaaaaaaaaaa"',
      'token: "${{ secrets.TOKEN }}"',
      'api_key = "<your-api-key-here>"',
      'secret = "changeme-please-123"',
      'PASSWORD=$DB_PASSWORD_FROM_VAULT',
      'aws = "AKIAIOSFODNN7EXAMPLE"',
      `ghp = "ghp_${'a'.repeat(36)}"`,
      `password = "${SAMPLES.password}" # runway:allow-secret`,
      `key = "${SAMPLES.github}" // gitleaks:allow`,
      'const tokenizer = createTokenizer(options)',
      "export const PRIVATE_KEY_FILE = 'runway-signing.key';",
      "  'secrets.found': 'gates.security.secrets_found',",
      '| `secrets` | declared secrets: `secrets.NAME` |',
      'eyJhbGciOi.notajwt',
      `header = "ey${fake('j1', 20)}.ey${fake('j2', 20)}.${fake('j3', 20)}"`,
    ].join('\n');
    assert.deepEqual(scanText(quiet, 'quiet.txt'), []);
  });

  it('measures entropy in bits per character', () => {
    assert.equal(shannonEntropy(''), 0);
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.equal(shannonEntropy('8ae31cacf141669ddfb5da').toFixed(4), '3.5383');
  });
});

describe('scanning a directory', () => {
  it('walks every file outside a git work tree, skipping node_modules, .git, .runway and binaries', () => {
    const dir = join(scratch, 'plain');
    mkdirSync(dir);
    for (const name of readdirSync(GITLEAKS_FILES)) copyFileSync(join(GITLEAKS_FILES, name), join(dir, name));
    for (const skipped of ['node_modules/pkg', '.runway/runs', '.git'])
      mkdirSync(join(dir, skipped), { recursive: true });
    writeFileSync(join(dir, 'node_modules/pkg/index.js'), `const t = "${SAMPLES.github}"`);
    writeFileSync(join(dir, '.runway/runs/log.txt'), `const t = "${SAMPLES.github}"`);
    writeFileSync(
      join(dir, 'image.dat'),
      Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(SAMPLES.github)]),
    );
    mkdirSync(join(dir, 'vendor'));
    writeFileSync(join(dir, 'vendor/modules.txt'), `const t = "${SAMPLES.github}"`);
    writeFileSync(join(dir, 'logo.png'), `const t = "${SAMPLES.github}"`);
    const scan = scanDirectory(dir);
    assert.equal(scan.source, 'walk');
    assert.equal(scan.scanned, 3, "Gitleaks' global path allowlist leaves out vendor/modules.txt and images");
    assert.deepEqual(scan.skipped, [{ file: 'image.dat', why: 'binary' }]);
    assert.deepEqual(
      scan.findings.map((f) => `${f.file}:${f.line} ${f.rule}`),
      ['.env.prod:4 generic-secret', 'api.go:20 aws-access-key-id', 'main.go:20 aws-access-key-id'],
    );
  });

  it("in a git work tree, scans git's tracked and unignored files only", () => {
    const dir = join(scratch, 'repo');
    mkdirSync(join(dir, 'src'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    writeFileSync(join(dir, '.gitignore'), 'build/\n');
    writeFileSync(join(dir, 'src/tracked.ts'), `export const t = "${SAMPLES.github}";\n`);
    git('add', '.');
    writeFileSync(join(dir, 'src/new.ts'), `export const s = "${SAMPLES.stripe}";\n`);
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'build/out.js'), `var t = "${SAMPLES.slack}";\n`);
    const scan = scanDirectory(dir);
    assert.equal(scan.source, 'git');
    assert.deepEqual(
      scan.findings.map((f) => `${f.file} ${f.rule}`),
      ['src/new.ts stripe-live-key', 'src/tracked.ts github-token'],
    );
  });

  it('allows findings by path glob or by fingerprint', () => {
    const [finding] = scanText(`x = "${SAMPLES.github}"`, 'test/fixtures/keys.ts');
    assert.ok(finding);
    assert.ok(isAllowed(finding, ['test/fixtures/**']));
    assert.ok(isAllowed(finding, ['fixtures/*.ts']));
    assert.ok(isAllowed(finding, [finding.fingerprint.toUpperCase()]));
    assert.ok(!isAllowed(finding, ['src/**', '000000000000']));
  });
});
