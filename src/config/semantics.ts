import type { Action, InputCheckContext } from '../actions/action.ts';
import type { ExpressionError } from '../engine/expressions.ts';
import { compile, compileCondition, findTemplates } from '../engine/expressions.ts';
import type { ConfigIssue } from './errors.ts';
import type { Path, PositionIndex } from './positions.ts';
import type { PipelineConfig, StageConfig, StepConfig } from './schema.ts';
import { assignStepIds } from './step-ids.ts';
import { didYouMean } from './suggest.ts';
import { schemaIssues } from './validate-schema.ts';

/** Checks what a schema cannot: references, cycles, expressions, action names and inputs. */
export function checkSemantics(
  config: PipelineConfig,
  positions: PositionIndex,
  actions: ReadonlyMap<string, Action>,
  root = '.',
): ConfigIssue[] {
  const context: InputCheckContext = {
    root,
    windows: config.windows ?? {},
    roles: config.roles ?? {},
    environments: Object.keys(config.environments ?? {}),
    analysis: Object.keys(config.analysis ?? {}),
  };
  const issues: ConfigIssue[] = [];
  const issue = (path: Path, message: string, key = false) =>
    issues.push({ ...positions.at(path, { key }), message });
  const stageNames = Object.keys(config.stages);

  // needs: existing stages, no self, no cycles
  for (const [name, stage] of Object.entries(config.stages)) {
    needsOf(stage).forEach((need, i) => {
      const path = typeof stage.needs === 'string' ? ['stages', name, 'needs'] : ['stages', name, 'needs', i];
      if (need === name) issue(path, `stage "${name}" needs itself — a stage cannot depend on itself`);
      else if (!config.stages[need]) {
        issue(
          path,
          `stage "${name}" needs "${need}", which does not exist${didYouMean(need, stageNames)} — expected one of: ${stageNames.join(', ')}`,
        );
      }
    });
  }
  const cycle = findCycle(config);
  if (cycle) {
    issue(
      ['stages', cycle[0] ?? '', 'needs'],
      `stages form a cycle: ${cycle.join(' → ')} — needs must form a DAG`,
    );
  }

  // secrets: exactly one source
  for (const [name, source] of Object.entries(config.secrets ?? {})) {
    if (Boolean(source.env) === Boolean(source.file)) {
      issue(['secrets', name], `secret "${name}" needs exactly one of env: or file:`);
    }
  }

  const ancestors = ancestorsOf(config);
  checkEnv(config.env, ['env'], new Set(), new Set(), issues, positions);
  for (const [name, stage] of Object.entries(config.stages)) {
    const base = ['stages', name];
    const reachable = ancestors.get(name) ?? new Set<string>();
    checkExpression(stage.if, [...base, 'if'], new Set(), reachable, issues, positions, 'condition');
    checkEnv(stage.env, [...base, 'env'], new Set(), reachable, issues, positions);
    for (const [svcName, svc] of Object.entries(stage.services ?? {})) {
      const ready = svc.ready ?? {};
      const svcPath = [...base, 'services', svcName];
      checkEnv(svc.env, [...svcPath, 'env'], new Set(), reachable, issues, positions);
      for (const part of findTemplates(svc.run)) {
        checkExpression(part.expr, [...svcPath, 'run'], new Set(), reachable, issues, positions);
      }
      if (findTemplates(ready.run ?? '').length > 0) {
        issue(
          [...svcPath, 'ready', 'run'],
          'ready.run cannot use ${{ }} — pass values through the service env: instead',
        );
      }
      const probes = (['tcp', 'http', 'run'] as const).filter((k) => ready[k] !== undefined);
      if (svc.ready && probes.length !== 1) {
        issue(
          [...base, 'services', svcName, 'ready'],
          `service "${svcName}" ready: needs exactly one of tcp, http, run`,
        );
      }
    }
    checkSteps(stage, base, reachable, actions, issues, positions, context);
  }
  return issues;
}

function checkSteps(
  stage: StageConfig,
  base: Path,
  reachable: Set<string>,
  actions: ReadonlyMap<string, Action>,
  issues: ConfigIssue[],
  positions: PositionIndex,
  context: InputCheckContext,
): void {
  const issue = (path: Path, message: string, key = false) =>
    issues.push({ ...positions.at(path, { key }), message });
  const ids = assignStepIds(stage.steps);
  const seen = new Set<string>();
  stage.steps.forEach((step: StepConfig, i) => {
    const path = [...base, 'steps', i];
    const id = ids[i] ?? '';
    if (step.id && seen.has(step.id))
      issue([...path, 'id'], `duplicate step id "${step.id}" — ids must be unique in a stage`);
    const earlier = new Set(seen);
    seen.add(id);
    if (step.run === undefined && step.uses === undefined) {
      issue(path, 'a step needs either run: (a shell command) or uses: (a built-in action)');
      return;
    }
    if (step.run !== undefined && step.uses !== undefined) {
      issue([...path, 'uses'], 'a step has either run: or uses:, not both', true);
      return;
    }
    checkExpression(step.if, [...path, 'if'], earlier, reachable, issues, positions, 'condition');
    checkEnv(step.env, [...path, 'env'], earlier, reachable, issues, positions);
    if (step.run !== undefined) {
      if (step.with !== undefined) issue([...path, 'with'], 'with: is only for uses: steps', true);
      for (const part of findTemplates(step.run)) {
        checkExpression(part.expr, [...path, 'run'], earlier, reachable, issues, positions);
      }
      return;
    }
    if (step['warn-on-exit'] !== undefined) {
      issue(
        [...path, 'warn-on-exit'],
        'warn-on-exit: is only for run: steps (an action has no exit code)',
        true,
      );
    }
    const action = actions.get(step.uses ?? '');
    if (!action) {
      issue(
        [...path, 'uses'],
        `unknown action "${step.uses}"${didYouMean(step.uses ?? '', actions.keys())} — expected one of: ${[...actions.keys()].sort().join(', ')}`,
      );
      return;
    }
    const inputs = step.with ?? {};
    for (const [key, value] of Object.entries(inputs)) {
      if (typeof value !== 'string') continue;
      for (const part of findTemplates(value)) {
        checkExpression(part.expr, [...path, 'with', key], earlier, reachable, issues, positions);
      }
    }
    const shape = schemaIssues(action.inputs, inputs, positions, [...path, 'with']);
    issues.push(...shape);
    if (shape.length === 0 && action.check) {
      for (const problem of action.check(inputs, context)) {
        issues.push({ ...positions.at([...path, 'with', problem.input]), message: problem.message });
      }
    }
  });
}

function checkEnv(
  env: Record<string, unknown> | undefined,
  path: Path,
  earlier: Set<string>,
  reachable: Set<string>,
  issues: ConfigIssue[],
  positions: PositionIndex,
): void {
  for (const [key, value] of Object.entries(env ?? {})) {
    if (typeof value !== 'string') continue;
    for (const part of findTemplates(value)) {
      checkExpression(part.expr, [...path, key], earlier, reachable, issues, positions);
    }
  }
}

function checkExpression(
  source: string | undefined,
  path: Path,
  earlierSteps: Set<string>,
  reachableStages: Set<string>,
  issues: ConfigIssue[],
  positions: PositionIndex,
  kind: 'value' | 'condition' = 'value',
): void {
  if (source === undefined) return;
  const pos = positions.at(path);
  try {
    if (kind === 'condition') compileCondition(source);
    else compile(source);
  } catch (err) {
    const e = err as ExpressionError;
    const at = source.includes('\n') ? `line ${e.line}, column ${e.col}` : `column ${e.col}`;
    issues.push({
      ...pos,
      message: `invalid expression ${JSON.stringify(source)}: ${e.message} (at ${at} of the expression)`,
    });
    return;
  }
  for (const m of source.matchAll(/(?<![.\w])steps\s*\.\s*([A-Za-z][A-Za-z0-9_-]*)/g)) {
    const id = m[1] ?? '';
    if (!earlierSteps.has(id)) {
      const known = [...earlierSteps];
      const hint = known.length
        ? `expected an earlier step of this stage: ${known.join(', ')}`
        : 'no earlier step in this stage';
      issues.push({ ...pos, message: `expression refers to step "${id}" — ${hint}` });
    }
  }
  for (const m of source.matchAll(/(?<![.\w])stages\s*\.\s*([A-Za-z][A-Za-z0-9_-]*)/g)) {
    const name = m[1] ?? '';
    if (!reachableStages.has(name)) {
      issues.push({
        ...pos,
        message: `expression refers to stage "${name}", which this stage does not need (directly or through others)`,
      });
    }
  }
}

function needsOf(stage: StageConfig): string[] {
  if (stage.needs === undefined) return [];
  return typeof stage.needs === 'string' ? [stage.needs] : stage.needs;
}

/** A cycle among stages as a path (first name repeated at the end), or undefined. */
export function findCycle(config: PipelineConfig): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const need of needsOf(config.stages[name] ?? { steps: [] })) {
      if (!config.stages[need] || need === name) continue;
      const found = visit(need);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(config.stages)) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

function ancestorsOf(config: PipelineConfig): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const walk = (name: string, guard: Set<string>): Set<string> => {
    const hit = memo.get(name);
    if (hit) return hit;
    const out = new Set<string>();
    for (const need of needsOf(config.stages[name] ?? { steps: [] })) {
      if (guard.has(need) || !config.stages[need]) continue;
      out.add(need);
      for (const a of walk(need, new Set([...guard, need]))) out.add(a);
    }
    memo.set(name, out);
    return out;
  };
  for (const name of Object.keys(config.stages)) walk(name, new Set([name]));
  return memo;
}
