/** Facts about the commit a run is for; every field is untrusted text. */
export interface RunContext {
  sha: string;
  ref: string;
  branch: string;
  message: string;
  author: string;
  committedAt: string;
  trigger: string;
  /** The pull request the run is for (GitHub Actions `pull_request` events). */
  pullRequest?: number;
  /** The pull request's labels. */
  labels?: string[];
  /**
   * Evaluate time-dependent gates (deployment windows, overrides) as of this ISO time instead of
   * now: rehearsals and replays (`runway run --at`). Stored with the run, so a resume decides alike.
   */
  at?: string;
}
