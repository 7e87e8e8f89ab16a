import type { EvidenceValue } from '../actions/action.ts';
import type { Pipeline, Stage } from '../config/pipeline.ts';
import type { EnvMap } from '../config/schema.ts';
import type { RunRecord, StageRecord, StepRecord } from '../store/store.ts';
import { renderTemplate, type ExpressionContext } from './expressions.ts';

/** Variables of the runway process that every step gets; everything else must be listed in `inherit-env`. */
export const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TERM',
];

/** Builds the whole environment of a step: nothing from the runway process leaks in unless allowed. */
export function buildStepEnv(opts: {
  hostEnv: NodeJS.ProcessEnv;
  pipeline: Pipeline;
  run: RunRecord;
  stage: string;
  step: string;
  layers: Record<string, string>[];
  files?: { output: string; evidence: string };
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...PASSED_THROUGH, ...opts.pipeline.inheritEnv]) {
    const v = opts.hostEnv[name];
    if (v !== undefined) env[name] = v;
  }
  const c = opts.run.context;
  Object.assign(env, {
    CI: 'true',
    RUNWAY: 'true',
    RUNWAY_RUN_ID: String(opts.run.id),
    RUNWAY_PIPELINE: opts.pipeline.name,
    RUNWAY_STAGE: opts.stage,
    RUNWAY_STEP: opts.step,
    RUNWAY_WORKSPACE: opts.pipeline.root,
    RUNWAY_SHA: c.sha,
    RUNWAY_REF: c.ref,
    RUNWAY_BRANCH: c.branch,
    RUNWAY_COMMIT_MESSAGE: c.message,
    RUNWAY_AUTHOR: c.author,
    RUNWAY_TRIGGER: c.trigger,
  });
  if (opts.files) {
    env['RUNWAY_OUTPUT'] = opts.files.output;
    env['RUNWAY_EVIDENCE'] = opts.files.evidence;
  }
  for (const layer of opts.layers) Object.assign(env, layer);
  return env;
}

/** Renders `${{ }}` in env values; the results are plain strings handed to the process. */
export function renderEnv(env: EnvMap, ctx: () => ExpressionContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    out[k] = typeof v !== 'string' ? String(v) : v.includes('${{') ? renderTemplate(v, ctx()) : v;
  }
  return out;
}

/** The values expressions can read at a point of the run. */
export function expressionContext(opts: {
  run: RunRecord;
  pipeline: Pipeline;
  stage: Stage;
  stageRecords: ReadonlyMap<string, StageRecord>;
  steps: ReadonlyMap<string, { record: StepRecord; outputs: Record<string, string> }>;
  evidence: Record<string, EvidenceValue>;
  secrets: Record<string, string>;
}): ExpressionContext {
  const stepView = (s: { record: StepRecord; outputs: Record<string, string> }) => ({
    outputs: s.outputs,
    outcome:
      s.record.status === 'succeeded' || s.record.status === 'failed' ? outcomeOf(s.record) : s.record.status,
    conclusion: s.record.failedButContinued ? 'succeeded' : s.record.status,
  });
  const steps: Record<string, unknown> = {};
  for (const step of opts.stage.steps) {
    const s = opts.steps.get(step.key);
    if (s) steps[step.id] = stepView(s);
  }
  const stages: Record<string, unknown> = {};
  for (const stage of opts.pipeline.stages) {
    const rec = opts.stageRecords.get(stage.name);
    if (!rec) continue;
    const own: Record<string, unknown> = {};
    for (const step of stage.steps) {
      const s = opts.steps.get(step.key);
      if (s) own[step.id] = stepView(s);
    }
    stages[stage.name] = { result: rec.status, steps: own };
  }
  const c = opts.run.context;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...opts.pipeline.env, ...opts.stage.env })) env[k] = String(v);
  return {
    sha: c.sha,
    ref: c.ref,
    branch: c.branch,
    message: c.message,
    author: c.author,
    committed_at: c.committedAt,
    trigger: c.trigger,
    labels: c.labels ?? [],
    pull_request: BigInt(c.pullRequest ?? 0),
    run: { id: opts.run.id, pipeline: opts.pipeline.name, started_at: opts.run.createdAt },
    env,
    steps,
    stages,
    evidence: { ...opts.evidence },
    secrets: { ...opts.secrets },
  };
}

function outcomeOf(rec: StepRecord): string {
  return rec.failedButContinued ? 'failed' : rec.status;
}
