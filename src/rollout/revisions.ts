/*
 * Revision history per service and environment, like `kubectl argo rollouts undo`: every rollout
 * records its version as a new, higher revision; the newest `limit` (10, as the seed keeps its
 * last 10 images) are kept. Rolling out a version already in the history moves it to a new number
 * (as Kubernetes does on undo), so each version appears once.
 */

/** Revisions kept per service and environment. */
export const REVISION_HISTORY_LIMIT = 10;

/** One deployed version. */
export interface Revision {
  number: number;
  version: string;
  recordedAt: string;
  rolloutId?: string;
}

/** The revisions of one service in one environment, oldest first. */
export interface RevisionHistory {
  service: string;
  environment: string;
  limit: number;
  revisions: Revision[];
}

/**
 * What `undo` decided: the revision to roll out, that nothing needs undoing (the last rollout was
 * rolled back, so production already runs the good release), or why it cannot.
 */
export type UndoResult =
  { ok: true; target: Revision } | { ok: true; nothing: string } | { ok: false; error: string };

/** Which revision `undo` should go back to, and what serves now. */
export interface UndoRequest {
  readonly toRevision?: number;
  readonly toVersion?: string;
  /** The version serving the environment now; default the newest revision's. */
  readonly serving?: string;
}

/** An empty history. */
export function emptyHistory(
  service: string,
  environment: string,
  limit = REVISION_HISTORY_LIMIT,
): RevisionHistory {
  if (!Number.isInteger(limit) || limit < 2)
    throw new Error(`revision history limit must be at least 2, got ${limit}`);
  return { service, environment, limit, revisions: [] };
}

/** Records a rollout of `version` as the newest revision; returns the new history and what fell out. */
export function recordRevision(
  history: RevisionHistory,
  entry: { version: string; rolloutId?: string },
  now: Date,
): { history: RevisionHistory; revision: Revision; pruned: Revision[] } {
  const number = (history.revisions.at(-1)?.number ?? 0) + 1;
  const revision: Revision = {
    number,
    version: entry.version,
    recordedAt: now.toISOString(),
    ...(entry.rolloutId === undefined ? {} : { rolloutId: entry.rolloutId }),
  };
  const all = [...history.revisions.filter((r) => r.version !== entry.version), revision];
  const cut = Math.max(all.length - history.limit, 0);
  return { history: { ...history, revisions: all.slice(cut) }, revision, pruned: all.slice(0, cut) };
}

/**
 * The revision to go back to, as `kubectl argo rollouts undo`: the one before the revision serving
 * now, or `toRevision` / `toVersion`. When the newest revision is not the one serving (its rollout
 * was aborted or rolled back), a plain undo has nothing to do: production is already on the good
 * release, and undoing further would downgrade it.
 * @example undo(history, { toRevision: 7 }) // { ok: false, error: 'revision 7 does not exist; known revisions: 3, 4, 5' }
 */
export function undo(history: RevisionHistory, request: UndoRequest = {}): UndoResult {
  const { revisions } = history;
  const known = revisions.map((r) => r.number).join(', ');
  const newest = revisions.at(-1);
  if (!newest)
    return { ok: false, error: `no revisions recorded for ${history.service} in ${history.environment}` };
  const serving = revisions.find((r) => r.version === (request.serving ?? newest.version));
  const { toRevision, toVersion } = request;
  if (toRevision !== undefined && toVersion !== undefined)
    return { ok: false, error: 'give a revision or a version to undo to, not both' };
  if (toVersion !== undefined) {
    const target = revisions.find((r) => r.version === toVersion);
    if (!target) {
      const versions = revisions.map((r) => `${r.version} (revision ${r.number})`).join(', ');
      return { ok: false, error: `version ${toVersion} is not in the revision history; known: ${versions}` };
    }
    return target === serving
      ? { ok: false, error: `${toVersion} (revision ${target.number}) is already serving` }
      : { ok: true, target };
  }
  if (toRevision === undefined) {
    if (serving && serving !== newest) {
      return {
        ok: true,
        nothing:
          `nothing to undo: the last rollout (revision ${newest.number}, ${newest.version}) was rolled back, ` +
          `and ${serving.version} (revision ${serving.number}) keeps serving`,
      };
    }
    const at = serving ? revisions.indexOf(serving) : revisions.length - 1;
    const previous = revisions[at - 1];
    if (!previous) return { ok: false, error: `no previous revision to undo to; known revisions: ${known}` };
    return { ok: true, target: previous };
  }
  if (!Number.isInteger(toRevision) || toRevision < 1) {
    return { ok: false, error: `revision must be a positive integer, got ${toRevision}` };
  }
  const target = revisions.find((r) => r.number === toRevision);
  if (!target)
    return { ok: false, error: `revision ${toRevision} does not exist; known revisions: ${known}` };
  if (target === (serving ?? newest))
    return { ok: false, error: `revision ${toRevision} is already the current revision` };
  return { ok: true, target };
}
