/** Facts about the commit a run is for; every field is untrusted text. */
export interface RunContext {
  sha: string;
  ref: string;
  branch: string;
  message: string;
  author: string;
  committedAt: string;
  trigger: string;
  /**
   * Evaluate time-dependent gates (deployment windows, overrides) as of this ISO time instead of
   * now: rehearsals and replays (`runway run --at`). Stored with the run, so a resume decides alike.
   */
  at?: string;
}
