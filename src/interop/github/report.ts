import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigIssue } from '../../config/errors.ts';
import { PositionIndex } from '../../config/positions.ts';
import type { Pipeline } from '../../config/pipeline.ts';
import { maskText, secretPatterns } from '../../engine/masker.ts';
import type { RunRecord, Store } from '../../store/store.ts';
import type { ActionsJob } from './actions-context.ts';
import { formatOutputs } from './output-file.ts';
import { stepSummary } from './step-summary.ts';
import { addMask, annotation } from './workflow-commands.ts';

/** The lines that mask every form of each secret in the job's log; print them before anything else. */
export function maskCommands(secrets: Record<string, string>): string[] {
  return secretPatterns(Object.values(secrets)).flatMap(addMask);
}

/**
 * Writes a finished run back to the job: the Markdown summary, one `::error` annotation per failed
 * step and one `::warning` per flaky one (pointing at the step in runway.yaml), and the outputs (`run-id`, `status`, and each step
 * output as `STAGE_STEP_NAME`). Every text goes through the secret masker first.
 */
export async function reportRun(
  job: ActionsJob,
  store: Pick<Store, 'stages' | 'steps' | 'outputs'>,
  run: RunRecord,
  secrets: Record<string, string>,
  print: (line: string) => void,
): Promise<void> {
  const patterns = secretPatterns(Object.values(secrets));
  const mask = (text: string) => maskText(text, patterns);
  const [stages, steps, outputs] = await Promise.all([
    store.stages(run.id),
    store.steps(run.id),
    store.outputs(run.id),
  ]);
  const where = stepPositions(run.pipeline);
  for (const step of steps.filter((s) => s.status === 'failed')) {
    const at = where(step.key);
    const message = `${step.key} failed${step.reason ? `: ${step.reason}` : ''}`;
    print(mask(annotation('error', message, { ...at, title: `runway: ${step.key}` })));
  }
  for (const step of steps.filter((s) => s.flaky)) {
    const message = `${step.key} passed only on retry (attempt ${step.attempts}): flaky`;
    print(mask(annotation('warning', message, { ...where(step.key), title: `runway: ${step.key}` })));
  }
  if (run.status !== 'succeeded' && !steps.some((s) => s.status === 'failed')) {
    print(mask(annotation('error', `run ${run.id} ${run.status}${run.reason ? `: ${run.reason}` : ''}`)));
  }
  if (job.summaryFile) appendFileSync(job.summaryFile, mask(stepSummary({ run, stages, steps, outputs })));
  if (job.outputFile) {
    const steps: Record<string, string> = {};
    for (const [key, values] of Object.entries(outputs)) {
      for (const [name, value] of Object.entries(values)) steps[outputName(key, name)] = mask(value);
    }
    const flat = { 'run-id': String(run.id), status: run.status, ...steps, json: JSON.stringify(steps) };
    appendFileSync(job.outputFile, formatOutputs(flat));
  }
}

/** Configuration errors as annotations on runway.yaml, so the pull request shows them on the line. */
export function configAnnotations(issues: readonly ConfigIssue[]): string[] {
  return issues.map((i) =>
    annotation('error', i.message, { file: i.file, line: i.line, col: i.col, title: 'runway.yaml' }),
  );
}

/** `stage/step` and an output name as one GitHub output name, e.g. `gate_release_strategy`. */
export function outputName(stepKey: string, name: string): string {
  return `${stepKey}/${name}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Where each step stands in the pipeline file (relative to the working directory, as annotations want). */
function stepPositions(pipeline: Pipeline): (key: string) => { file?: string; line?: number; col?: number } {
  let index: PositionIndex | undefined;
  const file = relative(process.cwd(), pipeline.file) || pipeline.file;
  try {
    const lines = new LineCounter();
    index = new PositionIndex(
      file,
      parseDocument(readFileSync(pipeline.file, 'utf8'), { lineCounter: lines }),
      lines,
    );
  } catch {
    index = undefined;
  }
  return (key) => {
    const stage = pipeline.stages.find((s) => s.steps.some((st) => st.key === key));
    const step = stage?.steps.find((st) => st.key === key);
    if (!index || !stage || !step) return { file };
    const pos = index.at(['stages', stage.name, 'steps', step.index]);
    return { file, line: pos.line, col: pos.col };
  };
}
