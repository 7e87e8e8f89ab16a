import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CYCLONEDX_VERSION } from './cyclonedx-schema.ts';
import { parseSpdx, printSpdx, SpdxSyntaxError } from './spdx-expression.ts';
import { jsonErrorReason } from '../../engine/json-error.ts';

/** A package-lock.json that cannot be turned into an SBOM; the message names the file. */
export class NpmLockError extends Error {
  override name = 'NpmLockError';
}

/** How to build the SBOM. */
export interface NpmSbomOptions {
  /** Directory whose `node_modules/` is read for licenses the lock file lacks. */
  projectDir: string;
  /** Include devDependencies (with scope `excluded`); default false. */
  includeDev?: boolean;
  /** Written as `metadata.timestamp`. */
  now: Date;
  /** Runway's version, written as the tool. */
  toolVersion: string;
  /** `urn:uuid:…` of this BOM. */
  serialNumber: string;
}

/** A CycloneDX 1.6 BOM and what building it noticed. */
export interface NpmSbom {
  bom: Record<string, unknown>;
  components: number;
  /** Components whose license came from node_modules, and those with none. */
  licensesFromInstalled: number;
  withoutLicense: string[];
}

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: unknown;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface Component {
  purl: string;
  name: string;
  version: string;
  scope: 'required' | 'optional' | 'excluded';
  license?: string;
  integrity?: string;
  resolved?: string;
}

const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};
const SCOPE_RANK = { required: 0, optional: 1, excluded: 2 } as const;

/**
 * Builds a CycloneDX 1.6 SBOM from the text of an npm lock file (lockfileVersion 2 or 3): one component
 * per installed package version (links and workspace folders are the project's own code and are left
 * out), with purl, licenses, integrity hashes and the dependency graph as npm resolves it.
 */
export function npmLockToCycloneDx(text: string, file: string, options: NpmSbomOptions): NpmSbom {
  const fail = (what: string): never => {
    throw new NpmLockError(`${file}: ${what}`);
  };
  let lock: unknown;
  try {
    lock = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return fail(`not valid JSON, truncated or corrupt (${jsonErrorReason(error)})`);
  }
  if (typeof lock !== 'object' || lock === null || Array.isArray(lock)) return fail('not a package lock');
  const { lockfileVersion, packages } = lock as { lockfileVersion?: unknown; packages?: unknown };
  if (lockfileVersion !== 2 && lockfileVersion !== 3)
    fail(
      `lockfileVersion ${JSON.stringify(lockfileVersion)} is not supported, expected 2 or 3 (npm 7 or later writes them)`,
    );
  if (typeof packages !== 'object' || packages === null || Array.isArray(packages))
    fail('"packages" is missing or not an object');
  const entries = packages as Record<string, LockEntry>;
  const root = entries[''] ?? {};

  // one component per package version; the first path of a version names it
  const byPath = new Map<string, Component>();
  const byPurl = new Map<string, Component>();
  let licensesFromInstalled = 0;
  for (const [path, entry] of Object.entries(entries)) {
    if (typeof entry !== 'object' || entry === null) fail(`packages["${path}"] is not an object`);
    if (path === '' || !path.includes('node_modules/') || entry.link) continue;
    if (entry.dev && !options.includeDev) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (typeof entry.version !== 'string' || entry.version === '') continue;
    const scope = entry.dev ? 'excluded' : entry.optional || entry.devOptional ? 'optional' : 'required';
    const purl = npmPurl(name, entry.version);
    const known = byPurl.get(purl);
    const component = known ?? {
      purl,
      name,
      version: entry.version,
      scope,
      ...(typeof entry.integrity === 'string' ? { integrity: entry.integrity } : {}),
      ...(typeof entry.resolved === 'string' ? { resolved: entry.resolved } : {}),
    };
    byPurl.set(purl, component);
    if (known && SCOPE_RANK[scope] < SCOPE_RANK[known.scope]) known.scope = scope;
    if (component.license === undefined) {
      const license = licenseText(entry.license);
      const installed = license ?? installedLicense(join(options.projectDir, path, 'package.json'));
      if (installed !== undefined) component.license = installed;
      if (license === undefined && installed !== undefined) licensesFromInstalled++;
    }
    byPath.set(path, component);
  }

  // the dependency graph, resolved the way node does: nearest node_modules up the tree
  const rootName = typeof root.name === 'string' ? root.name : 'project';
  const rootRef = npmPurl(rootName, typeof root.version === 'string' ? root.version : undefined);
  const edges = new Map<string, Set<string>>([[rootRef, new Set()]]);
  const addEdges = (path: string, from: string, entry: LockEntry) => {
    const own = edges.get(from) ?? new Set<string>();
    edges.set(from, own);
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}),
      ...(path === '' && options.includeDev ? Object.keys(entry.devDependencies ?? {}) : []),
    ];
    for (const dep of names) {
      const target = resolveDependency(entries, byPath, path, dep);
      if (target && target.purl !== from) own.add(target.purl);
    }
  };
  addEdges('', rootRef, root);
  for (const [path, component] of byPath) addEdges(path, component.purl, entries[path] as LockEntry);

  const components = [...byPurl.values()].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
  const bom = {
    $schema: `http://cyclonedx.org/schema/bom-${CYCLONEDX_VERSION}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_VERSION,
    serialNumber: options.serialNumber,
    version: 1,
    metadata: {
      timestamp: options.now.toISOString(),
      tools: { components: [{ type: 'application', name: 'runway', version: options.toolVersion }] },
      component: {
        type: 'application',
        'bom-ref': rootRef,
        name: rootName,
        ...(typeof root.version === 'string' ? { version: root.version } : {}),
        purl: rootRef,
      },
    },
    components: components.map(toCycloneDx),
    dependencies: [...edges]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([ref, deps]) => ({ ref, dependsOn: [...deps].sort() })),
  };
  return {
    bom,
    components: components.length,
    licensesFromInstalled,
    withoutLicense: components.filter((c) => c.license === undefined).map((c) => `${c.name}@${c.version}`),
  };
}

/** Reads a lock file and builds its SBOM; throws `NpmLockError` naming the file. */
export function readNpmLock(file: string, options: NpmSbomOptions): NpmSbom {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NpmLockError(`${file}: cannot read (${(error as Error).message})`);
  }
  return npmLockToCycloneDx(text, file, options);
}

/** The package URL of an npm package: the scope's `@` is encoded, `pkg:npm/%40types/node@20.1.0`. */
export function npmPurl(name: string, version?: string): string {
  const encoded = name
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  return `pkg:npm/${encoded}${version !== undefined ? `@${encodeURIComponent(version)}` : ''}`;
}

/** CycloneDX hashes of an npm integrity string (`sha512-<base64>`…), hex-encoded; unknown algorithms are skipped. */
export function integrityHashes(integrity: string): { alg: string; content: string }[] {
  return integrity
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((item) => {
      const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(?:\?.*)?$/.exec(item);
      if (!m) return [];
      return [
        {
          alg: HASH_ALGORITHMS[m[1] as string] as string,
          content: Buffer.from(m[2] as string, 'base64').toString('hex'),
        },
      ];
    });
}

function toCycloneDx(c: Component): Record<string, unknown> {
  const slash = c.name.startsWith('@') ? c.name.indexOf('/') : -1;
  const hashes = c.integrity ? integrityHashes(c.integrity) : [];
  return {
    type: 'library',
    'bom-ref': c.purl,
    ...(slash > 0 ? { group: c.name.slice(0, slash), name: c.name.slice(slash + 1) } : { name: c.name }),
    version: c.version,
    scope: c.scope,
    ...(hashes.length > 0 ? { hashes } : {}),
    ...(c.license !== undefined ? { licenses: [cycloneDxLicense(c.license)] } : {}),
    purl: c.purl,
    ...(c.resolved && /^https?:\/\//.test(c.resolved)
      ? { externalReferences: [{ type: 'distribution', url: c.resolved }] }
      : {}),
  };
}

function cycloneDxLicense(text: string): Record<string, unknown> {
  try {
    return { expression: printSpdx(parseSpdx(text)) };
  } catch (error) {
    if (!(error instanceof SpdxSyntaxError)) throw error;
    return { license: { name: text } };
  }
}

function licenseText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string')
    return (value as { type: string }).type;
  return undefined;
}

function installedLicense(packageJson: string): string | undefined {
  let manifest: { license?: unknown; licenses?: unknown };
  try {
    manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as typeof manifest;
  } catch {
    return undefined;
  }
  const own = licenseText(manifest.license);
  if (own !== undefined) return own;
  if (!Array.isArray(manifest.licenses)) return undefined;
  const listed = manifest.licenses.map(licenseText).filter((l): l is string => l !== undefined);
  if (listed.length === 0) return undefined;
  return listed.length === 1 ? listed[0] : `(${listed.join(' OR ')})`;
}

function resolveDependency(
  entries: Record<string, LockEntry>,
  byPath: Map<string, Component>,
  from: string,
  name: string,
): Component | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (entries[candidate] !== undefined) return byPath.get(candidate);
    if (base === '') return undefined;
    base = base.replace(/\/?node_modules\/(?:@[^/]+\/)?[^/]+$/, '');
  }
}
