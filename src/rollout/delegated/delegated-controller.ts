/*
 * Follows rollouts whose target does its own traffic (an Argo Rollout). Each look loads the
 * rollout from the store, passes people's commands on to the target, reads where the target is
 * (from its watch), computes the next state with the pure `follow`, persists it with the
 * environment, and only then sets the image. A control plane killed at any moment continues from
 * the store plus what the cluster says when it starts again: setting an image already set is a no-op.
 */
import type { Clock } from '../../engine/clock.ts';
import type { DelegateSpec, EnvironmentRecord, RolloutRecord, SentCommand } from '../../deploy/records.ts';
import type { DelegatedStatus, DelegatingTarget } from '../../targets/delegating.ts';
import type { NotifyEvent } from '../actions.ts';
import { isTerminal } from '../state.ts';
import type { RolloutState } from '../state.ts';
import { FULL_WEIGHT } from '../strategy.ts';
import { LeaseLostError } from '../../store/store.ts';
import type { Fence, Store } from '../../store/store.ts';
import { SoleOwnership, type Ownership } from '../../leases/ownership.ts';
import type { Command } from '../observations.ts';
import { pinnedImage } from '../../targets/image-reference.ts';
import { commandAction, commandEntry, follow, stateBefore, unreachable } from './follow.ts';
import { Looks } from '../looks.ts';

/** The store calls the delegated controller makes. */
export type DelegatedStore = Pick<
  Store,
  'getRollout' | 'getEnvironment' | 'rollouts' | 'pendingRolloutCommands' | 'saveDeployment'
>;

/** How the delegated controller is wired. */
export interface DelegatedControllerOptions {
  store: DelegatedStore;
  clock: Clock;
  /** Builds the target a rollout follows (`createDelegatingTarget`). */
  targetOf: (spec: DelegateSpec) => DelegatingTarget;
  log: (line: string) => void;
  /** How often an unfinished rollout is looked at besides the watch's changes (default 1000 ms). */
  tickMs?: number;
  notify?: (rollout: RolloutRecord, event: NotifyEvent, detail: string) => void;
  /** Which environments this control plane may act on (default: all of them, alone on its store). */
  ownership?: Ownership;
}

/** The outcome of one look, for a command's answer. */
export interface DelegatedTick {
  rollout: RolloutRecord;
  refused: Map<number, string>;
}

/** History events people are told about, and the notification each one is. */
const TOLD: Partial<Record<string, NotifyEvent>> = {
  'instances-started': 'started',
  paused: 'paused',
  completed: 'completed',
  'rolled-back': 'rolled-back',
  aborted: 'aborted',
};

/** Drives every delegated rollout in the store to its end. */
export class DelegatedController {
  readonly #o: DelegatedControllerOptions;
  readonly #own: Ownership;
  readonly #targets = new Map<string, DelegatingTarget>();
  readonly #looks = new Looks(
    (id) => this.#tick(id),
    (id, err) => {
      this.#o.log(`rollout ${id}: ${(err as Error).message}`);
      this.schedule(id, this.#o.tickMs ?? 1000);
    },
  );
  #closed = false;

  constructor(options: DelegatedControllerOptions) {
    this.#o = options;
    this.#own = options.ownership ?? new SoleOwnership();
  }

  /** Picks up every unfinished delegated rollout (after a restart: where the cluster says it is). */
  async start(): Promise<void> {
    for (const r of await this.#o.store.rollouts({ limit: 1000 })) {
      if (r.delegate !== undefined && !isTerminal(r.state.phase)) this.schedule(r.id, 0);
    }
  }

  /** Looks at `rolloutId` after `delayMs`, in place of a look already scheduled. */
  schedule(rolloutId: string, delayMs: number): void {
    if (!this.#closed) this.#looks.schedule(rolloutId, delayMs);
  }

  /** One look at a rollout, serialized with every other look at it. */
  tick(rolloutId: string): Promise<DelegatedTick | undefined> {
    return this.#looks.serialized(rolloutId, () => this.#tick(rolloutId));
  }

  /** Stops every timer and watch (the cluster goes on by itself). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#looks.close();
    for (const t of this.#targets.values()) t.close();
    this.#targets.clear();
  }

  async #tick(rolloutId: string): Promise<DelegatedTick | undefined> {
    if (this.#closed) return undefined;
    const { store, clock } = this.#o;
    const rollout = await store.getRollout(rolloutId);
    if (!rollout?.delegate) return undefined;
    // on a shared store another control plane may be following it: look again later
    const claim = await this.#own.claim(rollout.service, rollout.environment);
    if (!claim) {
      this.schedule(rolloutId, this.#own.retryMs);
      return undefined;
    }
    const env = await store.getEnvironment(rollout.service, rollout.environment);
    if (!env)
      throw new Error(`environment ${rollout.service}/${rollout.environment} is missing from the store`);
    const target = this.#targetFor(rollout);
    const pending = await store.pendingRolloutCommands(rolloutId);
    const now = clock.now();

    // people's commands, passed on as the Argo CLI would; a refused call is the command's answer.
    // Each is sent at most once: what the target shows is saved before the send, and a command
    // found half-done after a restart (sent, not consumed) is sent again only while the target
    // still shows that (a promote that already moved the step must not skip the next pause).
    let state: RolloutState = structuredClone(rollout.state);
    const refused = new Map<number, string>();
    const sending: SentCommand[] = [...(rollout.sending ?? [])];
    for (const c of pending) {
      const action = isTerminal(state.phase)
        ? `the rollout is ${state.phase}; nothing to ${c.command}`
        : commandAction(c.command);
      if (typeof action === 'string') {
        refused.set(c.id, action);
        continue;
      }
      try {
        const before = stateBefore(await target.status(true));
        const earlier = sending.find((s) => s.command === c.id);
        if (earlier !== undefined && earlier.before !== before) {
          state.history.push(
            commandEntry(c.command as Command, c.by, now, 'sent before a restart; not sent again'),
          );
          continue;
        }
        if (earlier === undefined) {
          sending.push({ command: c.id, before });
          const marked: RolloutRecord = { ...rollout, sending: [...sending] };
          const saved = await this.#save(rollout, claim.fence, { rollout: marked, at: now.toISOString() });
          if (!saved) return undefined;
        }
        if (action.type === 'promote') await target.promote(action.full);
        else if (action.type === 'abort') await target.abort();
        else if (action.type === 'pause') await target.pause();
        state.history.push(commandEntry(c.command as Command, c.by, now));
      } catch (err) {
        refused.set(c.id, `${target.name} refused ${c.command}: ${(err as Error).message}`);
      }
    }

    // where the target is
    let status: DelegatedStatus | undefined;
    let refusedBy: string | undefined;
    try {
      status = await target.status();
    } catch (err) {
      this.#o.log(`${rollout.service}/${rollout.environment}: ${target.name}: ${(err as Error).message}`);
      // a Rollout that is not there, or that Runway may not read, will not come by waiting
      const code = (err as { code?: unknown }).code;
      if (state.canaryStartedAt === undefined && (code === 401 || code === 403 || code === 404))
        refusedBy = `${target.name}: ${(err as Error).message} (${String(code)})`;
    }
    const image = rollout.canary.image ? pinnedImage(rollout.canary.image) : '';
    const result = status
      ? follow(state, image, status, now)
      : { next: refusedBy === undefined ? state : unreachable(state, refusedBy, now) };
    state = result.next;
    const { sending: _sent, ...settled } = rollout;
    const nextRollout: RolloutRecord = { ...settled, state, updatedAt: now.toISOString() };
    const nextEnv = environmentAfter(env, nextRollout, now);
    const changed =
      JSON.stringify(state) !== JSON.stringify(rollout.state) || pending.length > 0 || _sent !== undefined;
    if (changed) {
      const saved = await this.#save(rollout, claim.fence, {
        environment: nextEnv,
        rollout: nextRollout,
        consumed: pending.map((c) => ({
          id: c.id,
          ...(refused.has(c.id) ? { error: refused.get(c.id)! } : {}),
        })),
        at: now.toISOString(),
      });
      if (!saved) return undefined;
      this.#report(rollout, nextRollout, refused);
    }
    // persisted first: a restart sets the image again, which is a no-op once it is there
    if ('setImage' in result && result.setImage !== undefined) {
      // an undo puts the earlier pod template back, as the Argo CLI does; asked again (a restart,
      // a watch not caught up) it finds that template in place and changes nothing. With no such
      // revision left, setting the image is the idempotent way there
      const restore = rollout.restoresPrevious === true;
      const restored = restore
        ? await target.undo(result.setImage).catch((err: unknown) => {
            this.#o.log(`${target.name}: ${(err as Error).message}; setting the image instead`);
            return undefined;
          })
        : undefined;
      if (restored === undefined) await target.setImage(result.setImage);
      else this.#o.log(`${target.name}: ${restored}`);
    }
    if (isTerminal(state.phase)) {
      target.close();
      this.#targets.delete(rolloutId);
      await this.#own.release(rollout.service, rollout.environment);
    } else {
      this.schedule(rolloutId, this.#o.tickMs ?? 1000);
    }
    return { rollout: nextRollout, refused };
  }

  /** Saves under the lease's fence; false (and stands down) when another control plane took it. */
  async #save(
    rollout: RolloutRecord,
    fence: Fence | undefined,
    change: Parameters<DelegatedStore['saveDeployment']>[0],
  ): Promise<boolean> {
    try {
      await this.#o.store.saveDeployment({ ...change, ...(fence ? { fence } : {}) });
      return true;
    } catch (err) {
      if (!(err instanceof LeaseLostError)) throw err;
      this.#own.lost(rollout.service, rollout.environment);
      this.#o.log(
        `${rollout.service}/${rollout.environment}: lease lost to another control plane; standing down`,
      );
      this.schedule(rollout.id, this.#own.retryMs);
      return false;
    }
  }

  #targetFor(rollout: RolloutRecord): DelegatingTarget {
    let target = this.#targets.get(rollout.id);
    if (!target) {
      target = this.#o.targetOf(rollout.delegate!);
      target.onChange(() => this.schedule(rollout.id, 0));
      this.#targets.set(rollout.id, target);
    }
    return target;
  }

  #report(before: RolloutRecord, after: RolloutRecord, refused: Map<number, string>): void {
    for (const h of after.state.history.slice(before.state.history.length)) {
      this.#o.log(`${after.service}/${after.environment} ${after.id}: ${h.event}: ${h.detail}`);
      const event = TOLD[h.event];
      if (event) this.#o.notify?.(after, event, h.detail);
    }
    for (const [id, error] of refused) this.#o.log(`command ${id} refused: ${error}`);
  }
}

/**
 * The environment as a delegated rollout leaves it: the split the target reports, and once it
 * ends, the new release stable (Healthy) or the old one still (aborted).
 */
export function environmentAfter(
  env: EnvironmentRecord,
  rollout: RolloutRecord,
  now: Date,
): EnvironmentRecord {
  const next: EnvironmentRecord = structuredClone(env);
  const { phase, weight } = rollout.state;
  const canary = rollout.canary.version;
  const stable = rollout.stable?.version;
  if (phase === 'completed') next.stable = rollout.canary;
  const split: Record<string, number> =
    phase === 'completed'
      ? { [canary]: FULL_WEIGHT }
      : stable === undefined
        ? isTerminal(phase)
          ? {}
          : { [canary]: FULL_WEIGHT }
        : isTerminal(phase)
          ? { [stable]: FULL_WEIGHT }
          : { [stable]: FULL_WEIGHT - weight, [canary]: weight };
  next.weights = Object.fromEntries(Object.entries(split).filter(([, w]) => w > 0));
  if (isTerminal(phase)) {
    if (next.rolloutId === rollout.id) delete next.rolloutId;
  } else {
    next.rolloutId = rollout.id;
  }
  next.updatedAt = now.toISOString();
  return next;
}
