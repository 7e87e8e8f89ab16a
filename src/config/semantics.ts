import type { Action, InputCheckContext } from '../actions/action.ts';
import { nameProblem } from './names.ts';
import type { ExpressionError } from '../engine/expressions.ts';
import { compile, compileCondition, findTemplates } from '../engine/expressions.ts';
import { singleQuotedTemplates } from './shell-quotes.ts';
import type { ConfigIssue } from './errors.ts';
import type { Path, PositionIndex } from './positions.ts';
import type { PipelineConfig, StageConfig, StepConfig } from './schema.ts';
import { assignStepIds } from './step-ids.ts';
import { didYouMean } from './suggest.ts';
import { schemaIssues } from './validate-schema.ts';

const SINGLE_QUOTED =
  'a ${{ }} inside single quotes stays literal text in bash (the command would see ${RUNWAY_EXPR_0}, not the value) — put it in double quotes: "${{ … }}"';

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
    environmentTargets: Object.fromEntries(
      Object.entries(config.environments ?? {}).map(([name, env]) => [name, env.target.kind]),
    ),
    analysis: Object.keys(config.analysis ?? {}),
    notifications: Object.keys(config.notifications ?? {}),
  };
  const issues: ConfigIssue[] = [];
  const issue = (path: Path, message: string, key = false) =>
    issues.push({ ...positions.at(path, { key }), message });
  const stageNames = Object.keys(config.stages);

  // a pipeline that deploys sends its service and environment names over the wire: DNS labels only
  if (config.environments && Object.keys(config.environments).length > 0) {
    const service = config.service?.name;
    const problem = service === undefined ? undefined : nameProblem(service);
    if (problem) issue(['service', 'name'], `service.name ${problem}`);
    for (const env of Object.keys(config.environments)) {
      const envProblem = nameProblem(env);
      if (envProblem) issue(['environments', env], `environment ${envProblem}`, true);
    }
  }

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
      `stages form a cycle: ${
        cycle.length > 12
          ? `${cycle.slice(0, 6).join(' → ')} → … (${cycle.length - 9} more) → ${cycle.slice(-3).join(' → ')}`
          : cycle.join(' → ')
      } — needs must form a DAG`,
    );
  }

  // service.slo: measured by runway serve (objective) or read from Prometheus (source), not both
  const slo = config.service?.slo;
  if (slo) {
    const path = ['service', 'slo'];
    if (slo.source && slo.objective !== undefined) {
      issue(
        [...path, 'objective'],
        'service.slo has both objective and source — the objective is in your recording rules; keep one of them',
        true,
      );
    } else if (slo.source && slo.window !== undefined) {
      issue(
        [...path, 'window'],
        'service.slo.window is for an objective runway serve measures — your recording rules set the window of source',
        true,
      );
    } else if (!slo.source && slo.objective === undefined) {
      issue(
        path,
        'service.slo needs objective (e.g. 99.9, measured by runway serve) or source: { prometheus: … }',
      );
    }
  }

  // secrets: exactly one source
  for (const [name, source] of Object.entries(config.secrets ?? {})) {
    if (Boolean(source.env) === Boolean(source.file)) {
      issue(['secrets', name], `secret "${name}" needs exactly one of env: or file:`);
    }
  }

  const ancestors = ancestryOf(config);
  checkEnv(config.env, ['env'], new Set(), new Set(), issues, positions);
  for (const [name, stage] of Object.entries(config.stages)) {
    const base = ['stages', name];
    const reachable = ancestors(name);
    checkExpression(stage.if, [...base, 'if'], new Set(), reachable, issues, positions, 'condition');
    checkEnv(stage.env, [...base, 'env'], new Set(), reachable, issues, positions);
    for (const [svcName, svc] of Object.entries(stage.services ?? {})) {
      const ready = svc.ready ?? {};
      const svcPath = [...base, 'services', svcName];
      checkEnv(svc.env, [...svcPath, 'env'], new Set(), reachable, issues, positions);
      for (const part of findTemplates(svc.run)) {
        checkExpression(part.expr, [...svcPath, 'run'], new Set(), reachable, issues, positions);
      }
      if (singleQuotedTemplates(svc.run).length > 0) issue([...svcPath, 'run'], SINGLE_QUOTED);
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
  reachable: Reachable,
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
    if (step['warn-on-fail'] !== undefined && !step.uses?.startsWith('gate/')) {
      issue(
        [...path, 'warn-on-fail'],
        step.run !== undefined
          ? 'warn-on-fail: is only for uses: gate/* steps — a run: step warns with warn-on-exit: [codes]'
          : `warn-on-fail: is only for uses: gate/* steps — a failed ${step.uses ?? 'action'} is not a warning`,
        true,
      );
    }
    if (step.run !== undefined) {
      if (step.with !== undefined) issue([...path, 'with'], 'with: is only for uses: steps', true);
      for (const part of findTemplates(step.run)) {
        checkExpression(part.expr, [...path, 'run'], earlier, reachable, issues, positions);
      }
      if (singleQuotedTemplates(step.run).length > 0) issue([...path, 'run'], SINGLE_QUOTED);
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
    // a release's env is stored with the release and handed to its instances as written
    const releaseEnv = inputs['env'];
    if (releaseEnv && typeof releaseEnv === 'object' && !Array.isArray(releaseEnv)) {
      for (const [name, value] of Object.entries(releaseEnv as Record<string, unknown>)) {
        if (typeof value === 'string' && findTemplates(value).length > 0) {
          issue(
            [...path, 'with', 'env', name],
            `with.env.${name} is passed to the release as written and stored with it, so \${{ }} is not rendered here — expected a literal value${
              /\bsecrets\s*\./.test(value) ? ' (a secret must not be stored with a release)' : ''
            }`,
          );
        }
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
  reachable: Reachable,
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
  reachableStages: Reachable,
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
  for (const root of Object.keys(config.stages)) {
    if (state.has(root)) continue;
    // depth-first without recursion, so thousands of stages cannot overflow the stack
    const path: { name: string; needs: string[]; next: number }[] = [];
    const enter = (name: string) => {
      state.set(name, 'visiting');
      path.push({ name, needs: needsOf(config.stages[name] ?? { steps: [] }), next: 0 });
    };
    enter(root);
    while (path.length > 0) {
      const top = path[path.length - 1] as (typeof path)[number];
      const need = top.needs[top.next++];
      if (need === undefined) {
        state.set(top.name, 'done');
        path.pop();
        continue;
      }
      if (!config.stages[need] || need === top.name || state.get(need) === 'done') continue;
      if (state.get(need) === 'visiting') {
        const names = path.map((p) => p.name);
        return [...names.slice(names.indexOf(need)), need];
      }
      enter(need);
    }
  }
  return undefined;
}

/** The stages a stage depends on, directly or through others. */
interface Reachable {
  has(stage: string): boolean;
}

/** Each stage's ancestors, computed only when an expression asks (a long chain would be quadratic). */
function ancestryOf(config: PipelineConfig): (name: string) => Reachable {
  const memo = new Map<string, Set<string>>();
  const compute = (name: string): Set<string> => {
    const out = new Set<string>();
    const todo = [...needsOf(config.stages[name] ?? { steps: [] })];
    while (todo.length > 0) {
      const need = todo.pop() as string;
      if (need === name || out.has(need) || !config.stages[need]) continue;
      out.add(need);
      todo.push(...needsOf(config.stages[need] ?? { steps: [] }));
    }
    return out;
  };
  return (name) => ({
    has: (stage) => {
      let set = memo.get(name);
      if (!set) memo.set(name, (set = compute(name)));
      return set.has(stage);
    },
  });
}
