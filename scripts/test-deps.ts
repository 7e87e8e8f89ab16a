/**
 * What the test suites need from the operating system, found or installed before `npm test` runs
 * them. As root with apt-get at hand, missing Debian packages are installed (one `apt-get update`,
 * then one `apt-get install`); otherwise the script stops with one line naming the packages and
 * the command that installs them. Suites that need a server add a row here, never an install step
 * of their own.
 *
 *   node scripts/test-deps.ts           check, install what is missing when allowed
 *   node scripts/test-deps.ts --check   check only; exit 1 with the install command when missing
 *   node scripts/test-deps.ts --json    what was found where
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface SystemDependency {
  /** The Debian package that provides it. */
  readonly package: string;
  /** Executables that must exist once it is installed (absolute paths or names looked up on PATH). */
  readonly provides: readonly string[];
  /** Which tests need it, for the message. */
  readonly neededBy: string;
}

export const SYSTEM_DEPENDENCIES: readonly SystemDependency[] = [
  {
    package: 'prometheus',
    provides: ['/usr/bin/prometheus', '/usr/bin/promtool'],
    neededBy:
      'test/e2e/prometheus*.test.ts, test/e2e/argo-web-metric.test.ts (a real Prometheus scrapes the data plane)',
  },
  {
    package: 'postgresql-15',
    provides: ['/usr/lib/postgresql/15/bin/initdb', '/usr/lib/postgresql/15/bin/pg_ctl'],
    neededBy:
      'src/store/postgres/*.test.ts and test/e2e/ha-*.test.ts (the store contract on a real PostgreSQL 15)',
  },
  {
    package: 'haproxy',
    provides: ['/usr/sbin/haproxy'],
    neededBy:
      'src/routers/haproxy/*.test.ts and test/e2e/haproxy-rollout.test.ts (the router contract and rollouts on a real HAProxy)',
  },
  {
    package: 'redis-server',
    provides: ['/usr/bin/redis-server'],
    neededBy:
      "test/e2e/example-dawsos.test.ts and example-companyos.test.ts (Redis, a stage service of both examples' integration tests)",
  },
  {
    package: 'python3-pytest',
    provides: ['/usr/lib/python3/dist-packages/pytest'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: pytest, its test stages)',
  },
  {
    package: 'python3-pytest-cov',
    provides: ['/usr/lib/python3/dist-packages/pytest_cov'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: pytest --cov, its coverage gate)',
  },
  {
    package: 'python3-hypothesis',
    provides: ['/usr/lib/python3/dist-packages/hypothesis'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: Hypothesis, its property stage)',
  },
  {
    package: 'python3-psycopg2',
    provides: ['/usr/lib/python3/dist-packages/psycopg2'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: its integration tests against PostgreSQL)',
  },
  {
    package: 'python3-redis',
    provides: ['/usr/lib/python3/dist-packages/redis'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: its integration tests against Redis)',
  },
  {
    package: 'mypy',
    provides: ['/usr/bin/mypy'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: mypy --strict, its lint stage)',
  },
  {
    package: 'flake8',
    provides: ['/usr/bin/flake8'],
    neededBy:
      'test/e2e/example-dawsos.test.ts (examples/dawsos: flake8, its lint stage (ruff is not in Debian 12))',
  },
  {
    package: 'black',
    provides: ['/usr/bin/black'],
    neededBy:
      'test/e2e/example-dawsos.test.ts (examples/dawsos: black --check, its format check (ruff format is not in Debian 12))',
  },
  {
    package: 'sqlfluff',
    provides: ['/usr/bin/sqlfluff'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: sqlfluff, its SQL lint)',
  },
  {
    package: 'bandit',
    provides: ['/usr/bin/bandit'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: Bandit, its security stage)',
  },
  {
    package: 'jq',
    provides: ['/usr/bin/jq'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: its health checks (curl … | jq -e))',
  },
  {
    package: 'curl',
    provides: ['/usr/bin/curl'],
    neededBy: 'test/e2e/example-dawsos.test.ts (examples/dawsos: its health checks)',
  },
  {
    package: 'chromium',
    provides: ['/usr/bin/chromium'],
    neededBy:
      'test/e2e/dashboard.test.ts (playwright-core drives a real headless Chromium through the dashboard)',
  },
];

function onPath(name: string): string | undefined {
  if (name.startsWith('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

export function missingDependencies(deps = SYSTEM_DEPENDENCIES): SystemDependency[] {
  return deps.filter((d) => d.provides.some((p) => onPath(p) === undefined));
}

function canInstall(): boolean {
  return process.getuid?.() === 0 && onPath('apt-get') !== undefined;
}

function install(packages: readonly string[]): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) return false;
  const add = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
  return add.status === 0;
}

function main(argv: readonly string[]): number {
  const checkOnly = argv.includes('--check');
  if (argv.includes('--json')) {
    const found = SYSTEM_DEPENDENCIES.map((d) => ({
      package: d.package,
      provides: Object.fromEntries(d.provides.map((p) => [p, onPath(p) ?? null])),
    }));
    process.stdout.write(JSON.stringify(found, null, 2) + '\n');
  }
  let missing = missingDependencies();
  if (missing.length === 0) return 0;
  const names = missing.map((d) => d.package);
  if (!checkOnly && canInstall()) {
    process.stderr.write(`test-deps: installing Debian packages: ${names.join(' ')}\n`);
    if (install(names)) missing = missingDependencies();
  }
  if (missing.length === 0) return 0;
  const still = missing.map((d) => d.package);
  process.stderr.write(
    `test-deps: missing Debian packages ${still.join(', ')} (needed by ${missing.map((d) => d.neededBy).join('; ')}) — ` +
      `install them with: sudo apt-get update && sudo apt-get install -y ${still.join(' ')}\n`,
  );
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
