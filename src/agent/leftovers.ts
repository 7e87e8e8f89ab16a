import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../engine/clock.ts';
import { groupAlive, signalGroup } from '../executors/local/process-group.ts';
import { writeJsonAtomic } from './state-file.ts';
import { waitGroupGone } from './supervisor/process-table.ts';

/** A process group the agent started, recorded so that the next agent can end it after a crash. */
export interface GroupRecord {
  /** `service/environment` */
  readonly site: string;
  /** The instance key `service/version/index`. */
  readonly key: string;
  readonly pgid: number;
  /** The leader's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), if known. */
  readonly startTime: string | null;
  /** `/proc/sys/kernel/random/boot_id` when it started, if known. */
  readonly bootId: string | null;
  /** The instance's port (null in ledgers written before adoption existed). */
  readonly port?: number | null;
  /** specFingerprint of the spec it was started with: a group is adopted only by an equal spec. */
  readonly fingerprint?: string | null;
}

/** What the ledger learns about a group that just started. */
export interface StartedGroup {
  readonly pgid: number;
  readonly port: number | null;
  readonly fingerprint: string | null;
}

/** The groups the agent runs now, persisted in `<dir>/pgids.json` on every change. */
export class GroupLedger {
  readonly #path: string;
  readonly #groups = new Map<string, GroupRecord>();

  constructor(path: string) {
    this.#path = path;
  }

  /** Records the group of an instance that just started. */
  started(site: string, key: string, group: StartedGroup): void {
    const { pgid, port, fingerprint } = group;
    this.#groups.set(`${site}#${key}`, {
      site,
      key,
      pgid,
      startTime: startTimeOf(pgid),
      bootId: bootId(),
      port,
      fingerprint,
    });
    this.#save();
  }

  /** Keeps the records of groups a previous agent started and this one adopts, as they were. */
  adopted(groups: readonly GroupRecord[]): void {
    for (const g of groups) this.#groups.set(`${g.site}#${g.key}`, g);
    this.#save();
  }

  /** Forgets the group of an instance whose process group is gone. */
  exited(site: string, key: string): void {
    if (this.#groups.delete(`${site}#${key}`)) this.#save();
  }

  #save(): void {
    writeJsonAtomic(this.#path, { groups: [...this.#groups.values()] });
  }
}

/**
 * The groups a previous agent recorded that still run and are provably the ones recorded: same boot,
 * and their leader has the recorded start time (or is gone while the group lives on).
 */
export function findLeftovers(path: string): GroupRecord[] {
  return readLedger(path).filter(isOurs);
}

/**
 * Ends the groups a previous agent recorded and left running, except those in `keep` (adopted):
 * SIGTERM, SIGKILL after `graceMs`, then waits until they are gone. A group is only signalled when
 * findLeftovers would return it. The ledger is left holding `keep` alone. Returns the groups ended.
 */
export async function killLeftovers(
  path: string,
  options: { graceMs?: number; clock?: Clock; keep?: readonly GroupRecord[] } = {},
): Promise<GroupRecord[]> {
  const clock = options.clock ?? systemClock;
  const keep = new Set((options.keep ?? []).map((g) => g.pgid));
  const groups = findLeftovers(path).filter((g) => !keep.has(g.pgid));
  for (const g of groups) signalGroup(g.pgid, 'SIGTERM');
  await Promise.all(groups.map((g) => waitGroupGone(g.pgid, clock, options.graceMs ?? 1000)));
  for (const g of groups) if (groupAlive(g.pgid)) signalGroup(g.pgid, 'SIGKILL');
  await Promise.all(groups.map((g) => waitGroupGone(g.pgid, clock, 5000)));
  writeJsonAtomic(path, { groups: options.keep ?? [] });
  return groups;
}

function readLedger(path: string): GroupRecord[] {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { groups?: GroupRecord[] };
    return Array.isArray(raw.groups) ? raw.groups.filter((g) => Number.isInteger(g.pgid) && g.pgid > 1) : [];
  } catch {
    return [];
  }
}

function isOurs(g: GroupRecord): boolean {
  if (!groupAlive(g.pgid)) return false;
  const boot = bootId();
  if (g.bootId !== null && boot !== null && g.bootId !== boot) return false;
  const now = startTimeOf(g.pgid);
  return now === null || g.startTime === null || now === g.startTime;
}

function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}
