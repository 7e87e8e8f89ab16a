import type { VersionSnapshot } from '../../agent/metrics/version-snapshot.ts';

/** Snapshots of one service's counters taken at one instant (epoch ms). */
export interface TimedSnapshot {
  readonly at: number;
  readonly snapshot: readonly VersionSnapshot[];
}

/** More entries than this per key means measurements come far faster than any window needs. */
const MAX_ENTRIES = 1000;

/**
 * Past snapshots per key, so that counters can be diffed over a window (like PromQL's `increase`).
 * Every call records the current snapshot; entries no window can reach any more are dropped.
 */
export class SnapshotHistory {
  readonly #entries = new Map<string, TimedSnapshot[]>();
  readonly #longestWindow = new Map<string, number>();

  /**
   * Records `current` taken at `at` and returns what to diff it against: the newest snapshot taken at
   * least `windowMs` earlier, else the oldest earlier one (a shorter window, as PromQL uses what it
   * has); undefined when there is none yet. Time going backwards starts the history again.
   */
  baseline(
    key: string,
    at: number,
    windowMs: number,
    current: readonly VersionSnapshot[],
  ): TimedSnapshot | undefined {
    let list = this.#entries.get(key) ?? [];
    if (list.length > 0 && (list[list.length - 1] as TimedSnapshot).at > at) list = [];
    const earlier = list.filter((e) => e.at < at);
    const target = at - windowMs;
    const baseline = earlier.findLast((e) => e.at <= target) ?? earlier[0];
    const longest = Math.max(this.#longestWindow.get(key) ?? 0, windowMs);
    this.#longestWindow.set(key, longest);
    const keepFrom = Math.max(
      0,
      earlier.findLastIndex((e) => e.at <= at - longest),
    );
    const kept = [...earlier.slice(keepFrom), { at, snapshot: current }];
    this.#entries.set(key, kept.slice(-MAX_ENTRIES));
    return baseline;
  }

  /** Forgets everything before `at` for `key` (counters were reset), keeping `current` as the start. */
  restart(key: string, at: number, current: readonly VersionSnapshot[]): void {
    this.#entries.set(key, [{ at, snapshot: current }]);
  }
}
