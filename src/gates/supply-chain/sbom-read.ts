import { readFileSync } from 'node:fs';
import { jsonErrorReason } from '../../engine/json-error.ts';

/** SBOM formats Runway reads. */
export const SBOM_FORMATS = ['cyclonedx', 'spdx'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

/** A package listed in an SBOM, with its licenses as written (ids, names or expressions). */
export interface SbomComponent {
  /** `group/name` for CycloneDX components that have a group (npm scopes: `@types/node`). */
  name: string;
  version?: string;
  purl?: string;
  licenses: string[];
}

/** What an SBOM lists, and how many entries were not packages (lock files, folders, operating systems). */
export interface Sbom {
  format: SbomFormat;
  specVersion: string;
  components: SbomComponent[];
  skipped: number;
}

/** An SBOM that cannot be trusted; the message names the file and the bad field. */
export class SbomError extends Error {
  override name = 'SbomError';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const NO_LICENSE = new Set(['NOASSERTION', 'NONE', '']);
const NOT_PACKAGES_CDX = new Set(['file', 'operating-system']);
const NOT_PACKAGES_SPDX = new Set(['FILE', 'OPERATING-SYSTEM']);

/** Reads a CycloneDX (1.2–1.7) or SPDX 2.x JSON SBOM; throws `SbomError` naming `file`. */
export function readSbom(file: string): Sbom {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SbomError(`${file}: cannot read (${(error as Error).message})`);
  }
  return parseSbom(text, file);
}

/** Parses and checks SBOM text; throws `SbomError` naming `file` and the first bad field. */
export function parseSbom(text: string, file: string): Sbom {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SbomError(`${file}: not valid JSON, truncated or corrupt (${jsonErrorReason(error)})`);
  }
  const fail = (what: string): never => {
    throw new SbomError(`${file}: ${what}`);
  };
  if (!isObject(doc)) return fail('not an SBOM, expected a JSON object');
  if (doc['bomFormat'] === 'CycloneDX') return cycloneDx(doc, fail);
  if (typeof doc['spdxVersion'] === 'string') return spdx(doc, fail);
  return fail('neither CycloneDX (bomFormat "CycloneDX") nor SPDX (spdxVersion) JSON');
}

function cycloneDx(doc: Json, fail: (what: string) => never): Sbom {
  const specVersion = doc['specVersion'];
  if (typeof specVersion !== 'string' || !/^1\.[2-7]$/.test(specVersion))
    fail(`unsupported CycloneDX specVersion ${JSON.stringify(specVersion)}, expected 1.2 to 1.7`);
  const components: SbomComponent[] = [];
  let skipped = 0;
  const walk = (list: unknown, path: string) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) fail(`${path} is not an array`);
    (list as unknown[]).forEach((c, i) => {
      const at = `${path}[${i}]`;
      if (!isObject(c)) return fail(`${at} is not an object`);
      if (typeof c['name'] !== 'string' || c['name'] === '') fail(`${at}.name is missing`);
      if (typeof c['type'] !== 'string') fail(`${at}.type is missing`);
      const version = optionalString(c, 'version', at, fail);
      const purl = optionalString(c, 'purl', at, fail);
      const group = optionalString(c, 'group', at, fail);
      if (NOT_PACKAGES_CDX.has(c['type'] as string) || (version === undefined && purl === undefined))
        skipped++;
      else
        components.push({
          name: group ? `${group}/${c['name'] as string}` : (c['name'] as string),
          ...(version !== undefined ? { version } : {}),
          ...(purl !== undefined ? { purl } : {}),
          licenses: cycloneDxLicenses(c['licenses'], `${at}.licenses`, fail),
        });
      walk(c['components'], `${at}.components`);
    });
  };
  walk(doc['components'], 'components');
  return { format: 'cyclonedx', specVersion: specVersion as string, components, skipped };
}

function cycloneDxLicenses(value: unknown, path: string, fail: (what: string) => never): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(`${path} is not an array`);
  return value.flatMap((entry: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(entry)) return fail(`${at} is not an object`);
    if (typeof entry['expression'] === 'string') return [entry['expression']];
    const license = entry['license'];
    if (!isObject(license)) return fail(`${at} has neither license nor expression`);
    const name = typeof license['id'] === 'string' ? license['id'] : license['name'];
    if (typeof name !== 'string') return fail(`${at}.license has neither id nor name`);
    return NO_LICENSE.has(name.trim()) ? [] : [name];
  });
}

function spdx(doc: Json, fail: (what: string) => never): Sbom {
  const specVersion = doc['spdxVersion'] as string;
  if (!/^SPDX-2\.[0-3]$/.test(specVersion))
    fail(`unsupported spdxVersion ${JSON.stringify(specVersion)}, expected SPDX-2.0 to SPDX-2.3`);
  if (doc['SPDXID'] !== 'SPDXRef-DOCUMENT') fail('SPDXID is not "SPDXRef-DOCUMENT"');
  const packages = doc['packages'] ?? [];
  if (!Array.isArray(packages)) fail('packages is not an array');
  const components: SbomComponent[] = [];
  let skipped = 0;
  (packages as unknown[]).forEach((p, i) => {
    const at = `packages[${i}]`;
    if (!isObject(p)) return fail(`${at} is not an object`);
    if (typeof p['name'] !== 'string' || p['name'] === '') fail(`${at}.name is missing`);
    if (typeof p['SPDXID'] !== 'string') fail(`${at}.SPDXID is missing`);
    const version = optionalString(p, 'versionInfo', at, fail);
    const purl = purlOf(p['externalRefs'], `${at}.externalRefs`, fail);
    const purpose = p['primaryPackagePurpose'];
    if (
      (typeof purpose === 'string' && NOT_PACKAGES_SPDX.has(purpose)) ||
      (version === undefined && purl === undefined)
    ) {
      skipped++;
      return;
    }
    const concluded = optionalString(p, 'licenseConcluded', at, fail);
    const declared = optionalString(p, 'licenseDeclared', at, fail);
    const license = [concluded, declared].find((l) => l !== undefined && !NO_LICENSE.has(l.trim()));
    components.push({
      name: p['name'] as string,
      ...(version !== undefined ? { version } : {}),
      ...(purl !== undefined ? { purl } : {}),
      licenses: license !== undefined ? [license] : [],
    });
  });
  return { format: 'spdx', specVersion, components, skipped };
}

function purlOf(refs: unknown, path: string, fail: (what: string) => never): string | undefined {
  if (refs === undefined) return undefined;
  if (!Array.isArray(refs)) return fail(`${path} is not an array`);
  const ref = refs.find((r: unknown) => isObject(r) && r['referenceType'] === 'purl');
  return isObject(ref) && typeof ref['referenceLocator'] === 'string' ? ref['referenceLocator'] : undefined;
}

function optionalString(o: Json, key: string, at: string, fail: (what: string) => never): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return fail(`${at}.${key} is not a string`);
  return value;
}

/** `name@version`, for logs and reasons. */
export function componentLabel(c: SbomComponent): string {
  return c.version ? `${c.name}@${c.version}` : c.name;
}
