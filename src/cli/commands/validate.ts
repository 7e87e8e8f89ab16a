import { loadPipeline } from '../../config/load.ts';
import { formatDuration } from '../../engine/duration.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, pipelineFile } from '../flags.ts';

/** `runway validate`: checks the pipeline file and shows the resolved plan. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...FILE_FLAG, ...JSON_FLAG });
  // `runway validate FILE` as linters take it, or `-f FILE` as every other command does
  if (positionals.length > 1 || (positionals.length === 1 && values.file !== undefined))
    throw new UsageError(
      `validate checks one file, given as FILE or -f FILE; got ${[...(values.file !== undefined ? [values.file] : []), ...positionals].join(', ')}`,
    );
  const pipeline = loadPipeline(pipelineFile(io, values.file ?? positionals[0]));
  if (values.json) {
    io.out(`${JSON.stringify({ valid: true, pipeline }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(
    `${paint(io, 'green', '✔')} ${pipeline.file} is valid: ${pipeline.stages.length} stages, ${pipeline.stages.reduce((n, s) => n + s.steps.length, 0)} steps\n`,
  );
  for (const stage of pipeline.stages) {
    const needs = stage.needs.length ? paint(io, 'dim', ` ← ${stage.needs.join(', ')}`) : '';
    const cond = stage.if ? paint(io, 'dim', ` if ${stage.if}`) : '';
    io.out(`  ${paint(io, 'bold', stage.name)}${needs}${cond}\n`);
    for (const svc of stage.services)
      io.out(`    service ${svc.name}: ${svc.run} (ready: ${svc.ready.kind} ${svc.ready.target})\n`);
    for (const step of stage.steps) {
      const what = step.uses ? `uses ${step.uses}` : 'run';
      const extras = [
        step.timeoutMs !== undefined ? `timeout ${formatDuration(step.timeoutMs)}` : '',
        step.retry.count ? `retry ${step.retry.count}` : '',
        step.continueOnError ? 'continue-on-error' : '',
        step.rerun ? `rerun ${step.rerun}` : '',
        step.warnOnExit?.length ? `warn-on-exit ${step.warnOnExit.join(',')}` : '',
        step.warnOnFail ? 'warn-on-fail' : '',
        step.if ? `if ${step.if}` : '',
      ].filter(Boolean);
      io.out(
        `    ${step.id} ${paint(io, 'dim', `(${what}${extras.length ? `; ${extras.join('; ')}` : ''})`)}\n`,
      );
    }
  }
  return EXIT.ok;
}
