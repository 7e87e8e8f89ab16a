import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when this module runs from the built package (dist/*.js), false when from the sources. */
export const RUNNING_BUILT = import.meta.url.endsWith('.js');

/**
 * The folder of Runway's own package.json (a checkout or an installed package), found by walking up
 * from this module, so built bundles and sources agree however deep their files sit.
 */
export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

let version: string | undefined;

/** Runway's version, from its package.json; read once. */
export function runwayVersion(): string {
  if (version !== undefined) return version;
  try {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    version = 'unknown';
  }
  return version;
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'runway.js'))) return dir;
    if (dirname(dir) === dir) return join(dirname(fileURLToPath(import.meta.url)), '..');
  }
}
