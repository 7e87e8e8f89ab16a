import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { validateSiteDesired, type SiteDesired } from './desired.ts';

/** What the agent keeps of one site: its desired state and the ports its instances were given. */
export interface PersistedSite {
  readonly desired: SiteDesired;
  /** `version/index` → port on 127.0.0.1; reused after a restart so backends keep their addresses. */
  readonly ports: Readonly<Record<string, number>>;
  /** Highest fencing token a control plane wrote this site with; lower ones are refused. */
  readonly fence?: number;
}

/** The content of `<dir>/desired.json`. */
export interface PersistedState {
  readonly format: 1;
  /** By site id `service/environment`. */
  readonly sites: Readonly<Record<string, PersistedSite>>;
}

/** The state of an agent that was never told anything. */
export const EMPTY_STATE: PersistedState = Object.freeze({ format: 1, sites: Object.freeze({}) });

/**
 * Writes `value` as JSON so that readers see the old file or the new one, never a part: a temp file
 * in the same directory, fsync, rename over `path`, fsync of the directory.
 */
export function writeJsonAtomic(path: string, value: unknown, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  syncDirectory(dirname(path));
}

/** Reads `desired.json`; a missing file is the empty state, a damaged one an error naming the file. */
export function readState(path: string): PersistedState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
    throw err;
  }
  try {
    const raw = JSON.parse(text) as {
      format?: unknown;
      sites?: Record<string, { desired: unknown; ports: unknown; fence?: unknown }>;
    };
    if (raw.format !== 1 || typeof raw.sites !== 'object' || raw.sites === null) {
      throw new Error(`format must be 1 with a sites object`);
    }
    const sites: Record<string, PersistedSite> = {};
    for (const [id, site] of Object.entries(raw.sites)) {
      const ports = site.ports as Record<string, number>;
      if (
        typeof ports !== 'object' ||
        ports === null ||
        Object.values(ports).some((p) => !Number.isInteger(p))
      ) {
        throw new Error(`sites["${id}"].ports must map version/index to a port`);
      }
      const fence = Number.isSafeInteger(site.fence) ? { fence: site.fence as number } : {};
      sites[id] = { desired: validateSiteDesired(site.desired), ports: { ...ports }, ...fence };
    }
    return { format: 1, sites };
  } catch (err) {
    throw new Error(`${path} is damaged: ${(err as Error).message}`, { cause: err });
  }
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a directory; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
