/**
 * Fails when package.json and package-lock.json disagree, or when any range in the locked tree is a
 * moving dist-tag (`latest`, `next`, …) or any version (`*`) that no `overrides` entry pins: such a range makes `npm ci`
 * refuse the lock on the day the tag moves. Offline and fast; `npm test` runs it first.
 *
 *   node scripts/check-lock.ts [DIR]     DIR holds package.json and package-lock.json (default: the repo)
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

type Deps = Record<string, string>;
interface Manifest {
  dependencies?: Deps;
  devDependencies?: Deps;
  optionalDependencies?: Deps;
  peerDependencies?: Deps;
  overrides?: Record<string, unknown>;
}
interface LockEntry extends Manifest {
  version?: string;
  link?: boolean;
}
interface Lock {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

const GROUPS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
const INSTALLED = ['dependencies', 'optionalDependencies'] as const;

/** A range that takes whatever is newest: as moving as a tag for an installed dependency. */
const ANY_VERSION = /^\s*(\*|x|X)?\s*$/;

/** Ranges that are not dist-tags: semver ranges, aliases, files, links, git and tarball URLs. */
function isPinnedKind(spec: string): boolean {
  if (semver.validRange(spec) !== null) return true;
  return (
    /^(npm:|file:|link:|workspace:|git\+|git:|github:|https?:)/.test(spec) ||
    /^[^@\s]+\/[^@\s]+(#.*)?$/.test(spec)
  );
}

/** Every problem found, as one line each; empty when the lock is sound. */
export function lockProblems(pkg: Manifest, lock: Lock): string[] {
  const problems: string[] = [];
  const packages = lock.packages;
  if (!packages || (lock.lockfileVersion ?? 0) < 2)
    return ['package-lock.json has no "packages" section (lockfileVersion 2 or 3 expected): run npm install'];
  const root = packages[''] ?? {};

  // package.json and the lock's root agree
  for (const group of GROUPS) {
    const want = pkg[group] ?? {};
    const have = root[group] ?? {};
    for (const [name, spec] of Object.entries(want)) {
      if (have[name] === undefined)
        problems.push(`${group}.${name} "${spec}" is in package.json but not in the lock: run npm install`);
      else if (have[name] !== spec)
        problems.push(
          `${group}.${name} is "${spec}" in package.json but "${have[name]}" in the lock: run npm install`,
        );
    }
    for (const name of Object.keys(have))
      if (want[name] === undefined)
        problems.push(`${group}.${name} is in the lock but no longer in package.json: run npm install`);
  }

  // each direct dependency is locked at a version its range accepts
  for (const group of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
    for (const [name, spec] of Object.entries(pkg[group] ?? {})) {
      const entry = packages[`node_modules/${name}`];
      if (!entry) {
        if (group !== 'optionalDependencies')
          problems.push(`${name} is not in the lock's tree: run npm install`);
        continue;
      }
      const range = spec.startsWith('npm:') ? spec.slice(spec.lastIndexOf('@') + 1) : spec;
      if (
        entry.version &&
        semver.validRange(range) &&
        !semver.satisfies(entry.version, range, { includePrerelease: true })
      )
        problems.push(
          `${name} is locked at ${entry.version}, which "${spec}" in package.json does not accept: run npm install`,
        );
    }
  }

  // overrides pin exact versions
  const overrides = flatOverrides(pkg.overrides ?? {});
  for (const [name, spec] of Object.entries(overrides))
    if (!isPinnedKind(spec))
      problems.push(`overrides.${name} "${spec}" is a moving tag — pin an exact version`);

  // no moving tag anywhere in the tree, unless an override pins that package; a peer counts when
  // npm installed it (an optional peer nobody installed resolves nothing)
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '' || entry.link) continue;
    for (const group of [...INSTALLED, 'peerDependencies'] as const) {
      for (const [name, spec] of Object.entries(entry[group] ?? {})) {
        if (group === 'peerDependencies' && !installedFrom(packages, path, name)) continue;
        const anyVersion = ANY_VERSION.test(spec);
        if (isPinnedKind(spec) && !anyVersion) continue;
        const pinned = overrides[name];
        if (pinned !== undefined && semver.valid(pinned) !== null) continue;
        problems.push(
          `${path.replace(/^node_modules\//, '')} asks for ${name} "${spec}", ${anyVersion ? 'any version: what it means moves with every release' : 'a moving tag: npm ci will refuse this lock when the tag moves'} — pin it with "overrides": { "${name}": "<exact version>" } in package.json`,
        );
      }
    }
  }
  return problems;
}

/** Whether `name` resolves from the package at `path`: a node_modules entry here or in a folder above. */
function installedFrom(packages: Record<string, LockEntry>, path: string, name: string): boolean {
  for (let base = path; ;) {
    if (packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    if (base === '') return false;
    const up = base.lastIndexOf('/node_modules/');
    base = up < 0 ? '' : base.slice(0, up);
  }
}

function flatOverrides(
  overrides: Record<string, unknown>,
  out: Record<string, string> = {},
): Record<string, string> {
  for (const [key, value] of Object.entries(overrides)) {
    const name = key.replace(/(.)@.*$/, '$1');
    if (typeof value === 'string') out[name] = value;
    else if (value && typeof value === 'object') {
      const self = (value as Record<string, unknown>)['.'];
      if (typeof self === 'string') out[name] = self;
      flatOverrides(value as Record<string, unknown>, out);
    }
  }
  return out;
}

function main(argv: readonly string[]): number {
  const dir = resolve(argv[0] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  let pkg: Manifest;
  let lock: Lock;
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lock;
  } catch (err) {
    process.stderr.write(`check-lock: ${(err as Error).message}\n`);
    return 1;
  }
  const problems = lockProblems(pkg, lock);
  if (problems.length === 0) {
    process.stdout.write(
      `check-lock: package.json and package-lock.json agree; no moving tags in ${Object.keys(lock.packages ?? {}).length - 1} locked packages\n`,
    );
    return 0;
  }
  process.stderr.write(problems.map((p) => `check-lock: ${p}\n`).join(''));
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
