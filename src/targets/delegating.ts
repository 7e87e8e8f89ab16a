/*
 * Targets that do their own traffic (an Argo Rollout shifts weights, pauses and aborts by itself):
 * Runway hands them the new image, follows where they are, and passes people's commands on. The
 * rollout controller's steps, router and health probes are theirs, so such a target is driven by
 * `src/rollout/delegated/`, not by the Target contract. Which kinds do their own traffic is data
 * (`TARGET_OWN_TRAFFIC` in kinds.ts); `NopDelegatingTarget` is the one that never moves.
 */

/** Where the target's own rollout stands, in the words of `kubectl argo rollouts status`. */
export interface DelegatedStatus {
  readonly phase: 'Progressing' | 'Paused' | 'Healthy' | 'Degraded';
  readonly message: string;
  readonly aborted: boolean;
  readonly pauseReasons: readonly string[];
  readonly currentStepIndex?: number;
  readonly steps: number;
  /** Traffic to the new version in percent at the current step, when the target says. */
  readonly weight?: number;
  /** The image the target's pod template runs now. */
  readonly image?: string;
  /** The target's own steps, as written there (for people and for Runway's record of the plan). */
  readonly plan: readonly string[];
}

/** A target that rolls a new image out by itself. Every call is idempotent unless it says otherwise. */
export interface DelegatingTarget {
  /** `namespace/name` of what it drives, for people. */
  readonly name: string;
  /** Puts `image` (pinned by digest) into the pod template; nothing when it is there already. */
  setImage(image: string): Promise<void>;
  /** Its status now (from the watch once it runs, else one read; `fresh`: always one read). */
  status(fresh?: boolean): Promise<DelegatedStatus>;
  /** Calls `listener` whenever the watched object changes; starts the watch. */
  onChange(listener: () => void): void;
  /** Resumes a paused update (`full`: skip the remaining steps). Not idempotent: each call skips a pause. */
  promote(full: boolean): Promise<void>;
  /** Aborts the update: traffic back to stable. */
  abort(): Promise<void>;
  /** Pauses the update where it is. */
  pause(): Promise<void>;
  /** Puts back the pod template of the earlier revision that ran `image`; says what it restored. */
  undo(image: string): Promise<string>;
  close(): void;
}

/** The delegating target that is never asked to move: every status says so. */
export class NopDelegatingTarget implements DelegatingTarget {
  readonly name = 'none';
  async setImage(): Promise<void> {}
  async status(): Promise<DelegatedStatus> {
    return {
      phase: 'Degraded',
      message: 'no target',
      aborted: false,
      pauseReasons: [],
      steps: 0,
      plan: [],
    };
  }
  onChange(): void {}
  async promote(): Promise<void> {}
  async abort(): Promise<void> {}
  async pause(): Promise<void> {}
  async undo(): Promise<string> {
    return 'nothing to undo';
  }
  close(): void {}
}
