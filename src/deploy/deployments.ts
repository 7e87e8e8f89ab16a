/*
 * What people and pipeline steps ask of the control plane: start a rollout, give it a command,
 * undo to an earlier revision. Each request is checked completely before anything is stored, and
 * a refused request changes nothing.
 */
import { createServer } from 'node:net';
import type { Clock } from '../engine/clock.ts';
import { isCommand, COMMANDS } from '../rollout/observations.ts';
import { recordRevision, undo } from '../rollout/revisions.ts';
import { isTerminal, newRollout } from '../rollout/state.ts';
import type { Strategy } from '../rollout/strategy.ts';
import type { Fence, Store } from '../store/store.ts';
import type { Controller } from '../rollout/controller.ts';
import { emptyEnvironment } from './environment-state.ts';
import type { FaultSpec } from '../targets/target.ts';
import type { EnvironmentRecord, ReleaseSpec, RolloutCommandRecord, RolloutRecord } from './records.ts';
import { checkRolloutRequest } from './rollout-request.ts';
import type { RequestIssue } from './rollout-request.ts';
import { delegatedStrategy, replaceStrategy } from './strategies.ts';
import { ownsTraffic } from '../targets/kinds.ts';

/** A refused request: `status` is the HTTP status the API answers with. */
export class DeployError extends Error {
  readonly status: number;
  readonly issues: RequestIssue[];

  constructor(status: number, message: string, issues: RequestIssue[] = []) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

/** Follows rollouts whose target does its own traffic (`src/rollout/delegated/`). */
export interface DelegatedDriver {
  schedule(rolloutId: string, delayMs: number): void;
  tick(rolloutId: string): Promise<{ rollout: RolloutRecord; refused: Map<number, string> } | undefined>;
}

/** The version a rollout starts from when the environment has none. */
export const NO_STABLE = '(none)';

/** Requests against the store and the controller. */
export class Deployments {
  readonly #store: Store;
  readonly #controller: Controller;
  readonly #delegated: DelegatedDriver | undefined;
  readonly #clock: Clock;
  /** Ports the data plane already serves, so they are not reported as taken by others. */
  readonly #ownPort: (port: number) => boolean;

  constructor(opts: {
    store: Store;
    controller: Controller;
    clock: Clock;
    ownPort?: (port: number) => boolean;
    delegated?: DelegatedDriver;
  }) {
    this.#store = opts.store;
    this.#controller = opts.controller;
    this.#delegated = opts.delegated;
    this.#clock = opts.clock;
    this.#ownPort = opts.ownPort ?? (() => false);
  }

  /** Starts a rollout (or returns the one made for the same key). */
  async create(body: unknown): Promise<{ rollout: RolloutRecord; created: boolean; note?: string }> {
    const checked = checkRolloutRequest(body);
    if (!checked.ok) throw new DeployError(400, 'invalid rollout request', checked.issues);
    const req = checked.request;
    if (req.key) {
      const existing = await this.#store.rolloutByKey(req.key);
      if (existing) return { rollout: existing, created: false };
    }
    const now = this.#clock.now();
    const stored = await this.#store.getEnvironment(req.service, req.environment);
    const env = stored ?? emptyEnvironment(req.service, req.environment, req.port, now, req.previewPort);
    // a cluster target's port is its Service's, not one on this machine
    const delegated = ownsTraffic(req.target);
    if (delegated && !this.#delegated)
      throw new DeployError(501, `this control plane cannot follow a ${req.target!.kind} target`);
    if (req.target === undefined)
      await this.#checkPorts(env, req.port, stored === undefined, req.previewPort);
    env.port = req.port;
    if (req.previewPort !== undefined) env.previewPort = req.previewPort;
    if (req.router && req.router.kind !== 'local') env.router = req.router;
    else delete env.router;
    if (req.target) env.target = req.target;
    else delete env.target;
    if (env.rolloutId) {
      const active = await this.#store.getRollout(env.rolloutId);
      if (active && !isTerminal(active.state.phase)) {
        throw new DeployError(
          409,
          `a rollout of ${req.service} to ${req.environment} is in progress (${active.id}, ${active.state.phase}): ` +
            `promote it, abort it, or wait for it to finish`,
        );
      }
    }
    if (env.stable?.version === req.release.version) {
      // a re-run of a pipeline whose rollout already made this version stable: nothing to do, and
      // the step follows that finished rollout instead of failing
      const lastId = env.rolloutId ?? env.revisions.revisions.at(-1)?.rolloutId;
      const last = lastId ? await this.#store.getRollout(lastId) : undefined;
      if (last && last.canary.version === req.release.version && last.state.phase === 'completed')
        return {
          rollout: last,
          created: false,
          note: `${req.service} ${req.release.version} is already stable in ${req.environment} (${last.id}): nothing to roll out`,
        };
      throw new DeployError(
        409,
        `${req.service} ${req.release.version} is already the stable release in ${req.environment}; nothing to roll out`,
      );
    }
    const readiness = req.release.readinessTimeoutMs ?? 30_000;
    // a target that does its own traffic follows its own steps: Runway records them as it sees them
    const strategy: Strategy = delegated
      ? delegatedStrategy()
      : env.stable && checked.strategy
        ? checked.strategy
        : replaceStrategy(readiness);
    return {
      rollout: await this.#start(env, { ...req.release, revision: 0 }, strategy, req, now),
      created: true,
    };
  }

  /** Gives the environment's rollout a command and waits for the controller's answer. */
  async command(service: string, environment: string, command: string, by: string): Promise<RolloutRecord> {
    if (!isCommand(command)) {
      throw new DeployError(400, `unknown command "${command}"; valid commands: ${COMMANDS.join(', ')}`);
    }
    const rollout = await this.#target(service, environment, command);
    const id = await this.#store.addRolloutCommand({
      rolloutId: rollout.id,
      command,
      by,
      at: this.#clock.now().toISOString(),
    });
    const result = await (rollout.delegate && this.#delegated ? this.#delegated : this.#controller).tick(
      rollout.id,
    );
    // another control plane drives this rollout: it consumes the command on its next look
    const record = result ? await this.#store.getRolloutCommand(id) : await this.#consumed(id);
    if (record?.error) throw new DeployError(409, record.error);
    const after =
      result?.rollout ?? (record?.consumedAt ? await this.#store.getRollout(rollout.id) : undefined);
    if (!after)
      throw new DeployError(503, `rollout ${rollout.id} could not be reconciled; command ${id} is queued`);
    return after;
  }

  /** Waits (up to 15 s) for the control plane that owns a rollout to consume command `id`. */
  async #consumed(id: number): Promise<RolloutCommandRecord | undefined> {
    for (let i = 0; i < 75; i++) {
      const record = await this.#store.getRolloutCommand(id);
      if (record?.consumedAt) return record;
      await new Promise((r) => setTimeout(r, 200));
    }
    return this.#store.getRolloutCommand(id);
  }

  /**
   * The lease fence for writing an environment, waiting up to 6 s for another control plane to let
   * it go (or to lose it); a 409 if it still drives it then.
   */
  async #fence(service: string, environment: string): Promise<{ fence?: Fence }> {
    let claim = await this.#controller.claim(service, environment);
    for (let waited = 0; !claim && waited < 6000; waited += 250) {
      await this.#clock.sleep(250);
      claim = await this.#controller.claim(service, environment);
    }
    if (!claim) {
      throw new DeployError(
        409,
        `${service}/${environment} is being driven by another control plane right now; try again in a few seconds`,
      );
    }
    return claim.fence ? { fence: claim.fence } : {};
  }

  /**
   * Rolls the environment back to an earlier revision as a new revision (the one before the release
   * serving now by default, or `to.revision` / `to.version`), through the steps and analysis of the
   * last rollout, as Argo Rollouts' undo does. After a rollback or abort there is nothing to undo:
   * production already runs the good release, and the answer says so.
   */
  async undo(
    service: string,
    environment: string,
    to: { revision?: number; version?: string },
    by: string,
  ): Promise<{ rollout: RolloutRecord } | { nothing: string }> {
    const env = await this.environment(service, environment);
    const lastId = env.rolloutId ?? env.revisions.revisions.at(-1)?.rolloutId;
    const last = lastId ? await this.#store.getRollout(lastId) : undefined;
    if (last && !isTerminal(last.state.phase)) {
      throw new DeployError(
        409,
        `a rollout is in progress (${last.id}): abort it first, it returns traffic to stable`,
      );
    }
    const result = undo(env.revisions, {
      ...(to.revision !== undefined && { toRevision: to.revision }),
      ...(to.version !== undefined && { toVersion: to.version }),
      ...(env.stable && { serving: env.stable.version }),
    });
    if (!result.ok) throw new DeployError(409, result.error);
    if ('nothing' in result) return { nothing: result.nothing };
    const release = env.releases[result.target.version];
    if (!release)
      throw new DeployError(
        409,
        `revision ${result.target.number} (${result.target.version}) can no longer be run: its release is gone`,
      );
    const now = this.#clock.now();
    // the steps and analysis of the last rollout; the first release's replace when there was none
    const strategy = ownsTraffic(env.target)
      ? delegatedStrategy()
      : (last?.state.strategy ?? replaceStrategy(release.readinessTimeoutMs ?? 30_000));
    const args = last ? extraArgs(last.args) : {};
    const rollout = await this.#start(
      env,
      release,
      strategy,
      {
        by,
        args,
        analysis: last?.analysis ?? {},
        note: `undo by ${by}: back to ${release.version} (revision ${result.target.number}) as a new revision`,
        // the way `kubectl argo rollouts undo` does it: the previous pod template back on the Rollout
        ...(ownsTraffic(env.target) ? { restoresPrevious: true } : {}),
      },
      now,
    );
    return { rollout };
  }

  /**
   * Injects faults into a version's traffic (a rollback rehearsal), or clears them with null.
   * Kept with the environment, so they hold across restarts and apply as soon as the version runs.
   */
  async setFaults(
    service: string,
    environment: string,
    version: string,
    body: unknown,
  ): Promise<FaultSpec | null> {
    const faults = checkFaults(body);
    const first = await this.environment(service, environment);
    if (ownsTraffic(first.target))
      throw new DeployError(
        409,
        `${service} in ${environment} runs on an ${String(first.target?.kind)} target, whose traffic Runway does not carry: faults can be injected only through Runway's data plane`,
      );
    const change = async (): Promise<EnvironmentRecord> => {
      const env = await this.environment(service, environment);
      const next: EnvironmentRecord = {
        ...env,
        faults: { ...env.faults },
        updatedAt: this.#clock.now().toISOString(),
      };
      if (faults === null) delete next.faults![version];
      else next.faults![version] = faults;
      // a rollout whose new version gets faults is a rehearsal: its rollback does not count against the service
      const active = env.rolloutId ? await this.#store.getRollout(env.rolloutId) : undefined;
      const rehearsal =
        faults !== null && active && !isTerminal(active.state.phase) && active.canary.version === version;
      await this.#store.saveDeployment({
        environment: next,
        ...(rehearsal ? { rollout: { ...active, rehearsal: true } } : {}),
        at: next.updatedAt,
        ...(await this.#fence(service, environment)),
      });
      return next;
    };
    // serialized with the controller's looks at the rollout in progress, so neither overwrites the other
    const next = first.rolloutId
      ? await this.#controller.serialized(first.rolloutId, change)
      : await change();
    await this.#controller.converge(next);
    return faults;
  }

  /** The environment as stored, or a 404 naming what exists. */
  async environment(service: string, environment: string): Promise<EnvironmentRecord> {
    const env = await this.#store.getEnvironment(service, environment);
    if (env) return env;
    const known = (await this.#store.environments()).map((e) => `${e.service}/${e.environment}`);
    throw new DeployError(
      404,
      `${service} has never been deployed to ${environment}` +
        (known.length > 0 ? `; deployed: ${known.join(', ')}` : '; nothing has been deployed yet'),
    );
  }

  /** The rollout a command is for: the active one, or the last one for `retry`. */
  async #target(service: string, environment: string, command: string): Promise<RolloutRecord> {
    const env = await this.environment(service, environment);
    if (env.rolloutId) {
      const active = await this.#store.getRollout(env.rolloutId);
      if (active && !isTerminal(active.state.phase)) return active;
    }
    const [last] = await this.#store.rollouts({ service, environment, limit: 1 });
    if (command === 'retry' && last) return last;
    throw new DeployError(
      409,
      `no rollout of ${service} in ${environment} is in progress` +
        (last ? ` (the last one, ${last.id}, is ${last.state.phase})` : '') +
        (command === 'retry' ? '' : `; nothing to ${command}`),
    );
  }

  async #start(
    env: EnvironmentRecord,
    release: ReleaseSpec,
    strategy: Strategy,
    req: {
      key?: string;
      runId?: number;
      by?: string;
      args?: Record<string, string>;
      analysis?: Record<string, unknown>;
      /** Why this rollout exists when a command made it (undo), kept in its history. */
      note?: string;
      restoresPrevious?: boolean;
    },
    now: Date,
  ): Promise<RolloutRecord> {
    const id = `${env.service}.${env.environment}.r${(env.revisions.revisions.at(-1)?.number ?? 0) + 1}`;
    const { history, revision, pruned } = recordRevision(
      env.revisions,
      { version: release.version, rolloutId: id },
      now,
    );
    const canary: ReleaseSpec = { ...release, revision: revision.number };
    const stable = env.stable;
    const state = newRollout(
      {
        id,
        service: env.service,
        environment: env.environment,
        stable: stable
          ? { version: stable.version, revision: stable.revision }
          : { version: NO_STABLE, revision: 0 },
        canary: { version: canary.version, revision: canary.revision },
        strategy,
        replicas: canary.replicas,
      },
      now,
    );
    if (req.note) state.history.push({ at: now.toISOString(), event: 'command', detail: req.note });
    const releases = { ...env.releases, [canary.version]: canary };
    for (const p of pruned) if (p.version !== stable?.version) delete releases[p.version];
    const args = {
      service: env.service,
      environment: env.environment,
      canary: canary.version,
      stable: stable?.version ?? '',
      'canary.version': canary.version,
      'stable.version': stable?.version ?? '',
      ...req.args,
    };
    const rollout: RolloutRecord = {
      id,
      service: env.service,
      environment: env.environment,
      state,
      canary,
      ...(stable ? { stable } : {}),
      analysis: req.analysis ?? {},
      args,
      ...(req.key ? { key: req.key } : {}),
      ...(req.runId === undefined ? {} : { runId: req.runId }),
      ...(env.faults?.[canary.version] ? { rehearsal: true } : {}),
      ...(ownsTraffic(env.target) ? { delegate: env.target } : {}),
      ...(req.restoresPrevious ? { restoresPrevious: true } : {}),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const nextEnv: EnvironmentRecord = {
      ...env,
      revisions: history,
      releases,
      rolloutId: id,
      updatedAt: now.toISOString(),
    };
    await this.#store.saveDeployment({
      environment: nextEnv,
      rollout,
      at: now.toISOString(),
      ...(await this.#fence(env.service, env.environment)),
    });
    if (rollout.delegate && this.#delegated) this.#delegated.schedule(id, 0);
    else this.#controller.schedule(id, 0);
    return rollout;
  }

  async #checkPorts(
    env: EnvironmentRecord,
    port: number,
    isNew: boolean,
    previewPort?: number,
  ): Promise<void> {
    const others = (await this.#store.environments()).filter(
      (e) => !(e.service === env.service && e.environment === env.environment) && e.target === undefined,
    );
    for (const p of [port, previewPort]) {
      if (p === undefined) continue;
      const clash = others.find((e) => e.port === p || e.previewPort === p);
      if (clash) {
        throw new DeployError(
          409,
          `port ${p} is already the port of ${clash.service} in ${clash.environment}`,
        );
      }
      const moved = isNew || (p === port ? env.port !== port : env.previewPort !== previewPort);
      if (moved && !this.#ownPort(p) && !(await portFree(p))) {
        throw new DeployError(
          409,
          `port ${p} is already in use on 127.0.0.1 (by another program); choose another port`,
        );
      }
    }
  }
}

/** Whether 127.0.0.1:`port` can be bound now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A fault spec from a request body: ratios from 0 to 1, latency in whole milliseconds. */
function checkFaults(body: unknown): FaultSpec | null {
  if (body === null || body === undefined) return null;
  if (typeof body !== 'object' || Array.isArray(body))
    throw new DeployError(400, 'expected a fault spec object or null');
  const issues: RequestIssue[] = [];
  const out: FaultSpec = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'errorRatio' || k === 'abortRatio') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1))
        issues.push({ field: k, message: 'expected a ratio from 0 to 1' });
      else out[k] = v;
    } else if (k === 'latencyMs') {
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 60_000)
        issues.push({ field: k, message: 'expected whole milliseconds from 0 to 60000' });
      else out.latencyMs = v as number;
    } else {
      issues.push({ field: k, message: 'unknown fault; expected errorRatio, latencyMs or abortRatio' });
    }
  }
  if (issues.length > 0) throw new DeployError(400, 'invalid fault spec', issues);
  return out;
}

/** Arguments a rollout was started with beyond the ones every rollout gets (#start sets those). */
function extraArgs(args: Readonly<Record<string, string>>): Record<string, string> {
  const own = ['service', 'environment', 'canary', 'stable', 'canary.version', 'stable.version'];
  return Object.fromEntries(Object.entries(args).filter(([k]) => !own.includes(k)));
}
