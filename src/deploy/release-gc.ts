/*
 * Retention of release artifacts: each environment keeps the releases of its last 10 revisions
 * (the seeds' "keep the last 10 images", see rollout/revisions.ts); a copy under
 * `<data dir>/releases/<service>/<version>` that no environment and no rollout in flight still
 * names can go. Copies younger than `minAgeMs` stay, since a step may have just stored one for a
 * rollout it has not asked for yet.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EnvironmentRecord, RolloutRecord } from '../records/deployments.ts';

/** A release copy on disk. */
export interface ReleaseCopy {
  service: string;
  version: string;
  path: string;
  modifiedAt: number;
}

/** What gc keeps and removes, and why each copy it keeps stays. */
export interface GcPlan {
  remove: ReleaseCopy[];
  keep: (ReleaseCopy & { why: string })[];
}

/** Decides which copies go: pure, so it can be shown (`--dry-run`) before anything is deleted. */
export function planGc(
  copies: readonly ReleaseCopy[],
  environments: readonly EnvironmentRecord[],
  active: readonly RolloutRecord[],
  now: number,
  minAgeMs: number,
): GcPlan {
  const named = new Map<string, string>();
  for (const env of environments) {
    const where = `${env.service}/${env.environment}`;
    for (const spec of [env.stable, ...Object.values(env.running), ...Object.values(env.releases)]) {
      if (spec) named.set(resolve(spec.cwd), `kept by ${where} (revision history)`);
    }
  }
  for (const r of active) {
    for (const spec of [r.canary, r.stable]) if (spec) named.set(resolve(spec.cwd), `in rollout ${r.id}`);
  }
  const plan: GcPlan = { remove: [], keep: [] };
  for (const copy of copies) {
    const why = named.get(resolve(copy.path));
    if (why) plan.keep.push({ ...copy, why });
    else if (now - copy.modifiedAt < minAgeMs) plan.keep.push({ ...copy, why: 'stored recently' });
    else plan.remove.push(copy);
  }
  return plan;
}

/** The release copies under a data directory. */
export function releaseCopies(dataDir: string): ReleaseCopy[] {
  const root = join(dataDir, 'releases');
  if (!existsSync(root)) return [];
  const copies: ReleaseCopy[] = [];
  for (const service of readdirSync(root, { withFileTypes: true })) {
    if (!service.isDirectory()) continue;
    for (const entry of readdirSync(join(root, service.name), { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.includes('.tmp-')) continue;
      const path = join(root, service.name, entry.name);
      copies.push({ service: service.name, version: entry.name, path, modifiedAt: statSync(path).mtimeMs });
    }
  }
  return copies;
}

/** Deletes a copy and its digest marker. */
export function removeCopy(copy: ReleaseCopy): void {
  rmSync(copy.path, { recursive: true, force: true });
  rmSync(`${copy.path}.digest`, { force: true });
}
