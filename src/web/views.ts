/*
 * What the dashboard's pages show, read from the store and the controller: one function per page,
 * each returning plain JSON. The read endpoints (routes.ts) and the live stream (stream.ts) serve
 * the same views, so a page's first paint and its updates agree.
 */
import type { Controller } from '../rollout/controller.ts';
import type { Store } from '../store/store.ts';
import { DeployError } from '../deploy/deployments.ts';

/** What the views read. */
export interface ViewDeps {
  store: Store;
  controller: Controller;
  /** Whether the caller may see a service and environment (default: everything). */
  visible?: (service?: string, environment?: string) => boolean;
}

const all = () => true;

/** Services × environments: release, phase, weights and the last gate decision. */
export async function overviewView(d: ViewDeps) {
  const visible = d.visible ?? all;
  const envs = (await d.store.environments()).filter((e) => visible(e.service, e.environment));
  const rows = await Promise.all(
    envs.map(async (env) => {
      const [rollout] = await d.store.rollouts({
        service: env.service,
        environment: env.environment,
        limit: 1,
      });
      const [decision] = await d.store.decisions({
        service: env.service,
        environment: env.environment,
        limit: 1,
      });
      return {
        service: env.service,
        environment: env.environment,
        stable: env.stable?.version ?? null,
        weights: env.weights,
        rollout: rollout
          ? {
              id: rollout.id,
              phase: rollout.state.phase,
              canary: rollout.canary.version,
              weight: rollout.state.weight,
              updatedAt: rollout.updatedAt,
              ...(rollout.state.abortReason ? { abortReason: rollout.state.abortReason } : {}),
            }
          : null,
        decision: decision
          ? {
              id: decision.id,
              gate: decision.gate,
              outcome: decision.outcome,
              evaluatedAt: decision.evaluatedAt,
              violations: violationsOf(decision.decision),
            }
          : null,
      };
    }),
  );
  rows.sort((a, b) => a.service.localeCompare(b.service) || a.environment.localeCompare(b.environment));
  const runs = (await d.store.listRuns({ limit: 10 })).filter((r) => visible(r.pipeline.service?.name));
  return { environments: rows, runs: runs.map(runSummary) };
}

/** One rollout: its state and history (weights over time), analysis reports and live analysis. */
export async function rolloutView(d: ViewDeps, id: string) {
  const rollout = await d.store.getRollout(id);
  if (rollout && !(d.visible ?? all)(rollout.service, rollout.environment))
    throw new DeployError(403, `this token may not see ${rollout.service} in ${rollout.environment}`);
  if (!rollout) throw new DeployError(404, `no rollout "${id}"`);
  const commands = await d.store.pendingRolloutCommands(id);
  return {
    rollout,
    weights: weightsOverTime(rollout.state.history, rollout.state.startedAt),
    analysis: await d.controller.explain(rollout),
    pendingCommands: commands.map((c) => ({ command: c.command, by: c.by, at: c.at })),
  };
}

/** A run as its DAG: stages with their needs and states, steps, and each step's log. */
export async function runView(d: ViewDeps, id: number) {
  const run = await d.store.getRun(id);
  if (!run) throw new DeployError(404, `no run ${id}`);
  if (!(d.visible ?? all)(run.pipeline.service?.name))
    throw new DeployError(403, `this token may not see run ${id} of ${run.pipeline.service?.name}`);
  const [stages, steps, events, approvals] = await Promise.all([
    d.store.stages(id),
    d.store.steps(id),
    d.store.events(id),
    d.store.approvals(id),
  ]);
  const state = new Map(stages.map((s) => [s.name, s]));
  const logs: Record<string, string> = {};
  for (const e of events) {
    if (e.type !== 'step.output') continue;
    const step = String(e.data['step'] ?? '');
    logs[step] = (logs[step] ?? '') + String(e.data['text'] ?? '');
  }
  return {
    run: runSummary(run),
    stages: run.pipeline.stages.map((s) => ({
      name: s.name,
      needs: s.needs,
      status: state.get(s.name)?.status ?? 'pending',
      ...(state.get(s.name)?.reason ? { reason: state.get(s.name)!.reason } : {}),
    })),
    steps: steps.map((s) => ({
      key: s.key,
      stage: s.stage,
      name: s.name,
      status: s.status,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.exitCode === undefined ? {} : { exitCode: s.exitCode }),
    })),
    logs: Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, v.slice(-20_000)])),
    approvals,
  };
}

/** Gate decisions (newest first) with violations and evidence, the overrides, and waiting approvals. */
export async function gatesView(d: ViewDeps) {
  const visible = d.visible ?? all;
  const [allDecisions, allOverrides] = await Promise.all([
    d.store.decisions({ limit: 30 }),
    d.store.overrides({}),
  ]);
  const decisions = allDecisions.filter((x) => visible(x.service, x.environment));
  const overrides = allOverrides.filter((o) => visible(o.service, o.environment));
  return {
    decisions: decisions.map((x) => ({
      id: x.id,
      runId: x.runId ?? null,
      gate: x.gate,
      service: x.service ?? null,
      environment: x.environment ?? null,
      outcome: x.outcome,
      evaluatedAt: x.evaluatedAt,
      violations: violationsOf(x.decision),
      warnings: listOf(x.decision['warnings']),
      overrides: x.decision['overrides'] ?? [],
      evidence: evidenceOf(x.input),
    })),
    overrides,
    approvals: (await waitingApprovals(d.store)).filter((a) => visible(a.service)),
  };
}

/** Approval steps that are running now, with the verdicts given so far. */
export async function waitingApprovals(store: Store) {
  const runs = await store.listRuns({ status: 'running', limit: 50 });
  const out = [];
  for (const run of runs) {
    const steps = (await store.steps(run.id)).filter((s) => s.status === 'running');
    const running = new Set(steps.map((s) => s.key));
    for (const stage of run.pipeline.stages) {
      for (const step of stage.steps) {
        if (step.uses !== 'approval' || !running.has(step.key)) continue;
        out.push({
          runId: run.id,
          service: run.pipeline.service?.name,
          step: step.key,
          roles: (step.with['roles'] as string[] | undefined) ?? [],
          required: Number(step.with['required'] ?? 1),
          author: run.context.author,
          message: run.context.message,
          verdicts: await store.approvals(run.id, step.key),
        });
      }
    }
  }
  return out;
}

/** The canary's share of traffic (percent) at each `weight-set` of a rollout's history, from 0 at its start. */
export function weightsOverTime(
  history: readonly { at: string; event: string; detail: string }[],
  startedAt: string,
): { at: string; percent: number }[] {
  const out = [{ at: startedAt, percent: 0 }];
  for (const h of history) {
    if (h.event !== 'weight-set') continue;
    const m = /^(\d+(?:\.\d+)?)% of traffic/.exec(h.detail);
    if (m) out.push({ at: h.at, percent: Number(m[1]) });
  }
  return out;
}

function runSummary(run: Awaited<ReturnType<Store['listRuns']>>[number]) {
  return {
    id: run.id,
    status: run.status,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt ?? null,
    sha: run.context.sha,
    ref: run.context.ref,
    message: run.context.message,
    author: run.context.author,
    ...(run.reason ? { reason: run.reason } : {}),
  };
}

function violationsOf(decision: Record<string, unknown>): unknown[] {
  return listOf(decision['violations']);
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The gate input's facts, flattened to `key: value` for display. */
function evidenceOf(input: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (v: unknown, prefix: string, depth: number) => {
    if (Object.keys(out).length >= 60) return;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 3) {
      for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k, depth + 1);
    } else if (prefix) out[prefix] = Array.isArray(v) ? `[${v.length}]` : v;
  };
  walk(input, '', 0);
  return out;
}
