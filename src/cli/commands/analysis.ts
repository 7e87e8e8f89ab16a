import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ResolveError } from '../../analysis/arguments.ts';
import { formatValue } from '../../analysis/conditions.ts';
import { AnalysisExecutor, type RunExplanation } from '../../analysis/executor.ts';
import type { AnalysisPhase, Measurement } from '../../analysis/provider.ts';
import { ProviderConfigError } from '../../analysis/providers/config-error.ts';
import type { ProviderDeps } from '../../analysis/providers/registry.ts';
import { replay, ReplayError, type ReplayResult, type TimelineEntry } from '../../analysis/replay/replay.ts';
import { parseSeries, SeriesError } from '../../analysis/replay/series.ts';
import {
  caseFiles,
  readCases,
  runCases,
  shownPath,
  TableTestError,
  type CaseResult,
} from '../../analysis/replay/table-test.ts';
import { resolveMetrics } from '../../analysis/resolve-template.ts';
import { MemoryRunStore } from '../../analysis/run-store.ts';
import {
  AnalysisConfigError,
  loadAnalysisTemplates,
  type AnalysisTemplate,
} from '../../analysis/template.ts';
import { loadPipeline } from '../../config/load.ts';
import type { Pipeline } from '../../config/pipeline.ts';
import { systemClock } from '../../engine/clock.ts';
import { formatDuration } from '../../engine/duration.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { cancelOnSignals, FILE_FLAG, JSON_FLAG, parse, pipelineFile } from '../setup.ts';

/** How `runway analysis` is called. */
export const USAGE =
  'runway analysis run TEMPLATE [-f runway.yaml] [--arg k=v ...] [--prometheus URL] [--environment ENV] [--json]\n' +
  '       runway analysis replay TEMPLATE --series FILE [--judge JUDGE] [-f runway.yaml] [--arg k=v ...] [--json]\n' +
  '       runway analysis test [DIR|FILE] [-f runway.yaml] [--json]';

const SUBCOMMANDS = ['run', 'replay', 'test'] as const;

const FLAGS = {
  ...FILE_FLAG,
  ...JSON_FLAG,
  arg: { type: 'string', multiple: true },
  prometheus: { type: 'string' },
  environment: { type: 'string' },
  series: { type: 'string' },
  judge: { type: 'string' },
} as const;

/** Where `analysis test` looks for case files when no DIR is given, beside runway.yaml. */
export const DEFAULT_TEST_DIR = 'analysis-tests';

/**
 * `runway analysis run|replay|test`: run a template now, replay recorded measurements through it,
 * or run table tests of templates against recordings. Exit 0 successful, 1 otherwise, 2 usage.
 */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, FLAGS);
  const [sub, target, ...extra] = positionals;
  if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    const what = sub === undefined ? 'a subcommand is needed' : `unknown subcommand "${sub}"`;
    throw new UsageError(`${what} — expected one of: ${SUBCOMMANDS.join(', ')}; usage: ${USAGE}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" — usage: ${USAGE}`);
  const file = pipelineFile(io, values.file);
  const pipeline = loadPipeline(file);
  const json = values.json ?? false;
  const given = { ...defaultArgs(pipeline), ...argFlags(values.arg ?? []) };
  if (sub === 'test') {
    if (values.series !== undefined || values.prometheus !== undefined || values.arg !== undefined) {
      throw new UsageError('analysis test takes its series and args from the case files — usage: ' + USAGE);
    }
    return testCommand(io, pipeline, target ?? resolve(dirname(file), DEFAULT_TEST_DIR), json);
  }
  const name = templateName(target, pipeline);
  if (sub === 'replay') {
    if (values.prometheus !== undefined) throw new UsageError('--prometheus: a replay asks no provider');
    if (values.series === undefined) throw new UsageError(`--series FILE is required — usage: ${USAGE}`);
    const judge = values.judge === undefined ? undefined : judgeFlag(values.judge);
    return replayCommand(io, pipeline, name, given, values.series, json, judge);
  }
  if (values.judge !== undefined) throw new UsageError('--judge belongs to analysis replay');
  if (values.series !== undefined) throw new UsageError('--series belongs to analysis replay');
  const prometheus = values.prometheus ?? io.env['RUNWAY_PROMETHEUS_URL'];
  const jobs = values.environment === undefined ? {} : await clusterJobs(pipeline, values.environment);
  return runCommand(io, pipeline, name, given, prometheus, json, jobs);
}

/** `analysis run`: measures the template now, in real time, until its verdict (Ctrl-C stops it). */
async function runCommand(
  io: Io,
  pipeline: Pipeline,
  name: string,
  args: Record<string, string>,
  prometheus: string | undefined,
  json: boolean,
  jobs: ProviderDeps['job'] = {},
): Promise<number> {
  const template = parsedTemplate(pipeline, name);
  resolvable(template, args);
  const needsAddress = template.metrics.some((m) => m.provider.kind === 'prometheus' && !m.provider.address);
  if (needsAddress && prometheus === undefined) {
    throw new UsageError(
      `template "${name}" queries Prometheus without an address: pass --prometheus URL (or set RUNWAY_PROMETHEUS_URL)`,
    );
  }
  const runId = `cli/${name}`;
  const shown = new Set<string>();
  const width = Math.max(...template.metrics.map((m) => m.name.length));
  let executor: AnalysisExecutor;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  try {
    executor = new AnalysisExecutor({
      templates: { [name]: pipeline.analysis[name] },
      store: new MemoryRunStore(),
      clock: systemClock,
      providerDeps: {
        ...(prometheus !== undefined && { prometheus: { address: prometheus } }),
        job: jobs,
      },
      onChange: (id) => {
        const why = executor.explain(id);
        if (!why) return;
        if (!json) for (const m of newMeasurements(why, shown)) io.out(measurementLine(io, m, width));
        if (why.phase !== 'running') finished();
      },
    });
  } catch (err) {
    if (err instanceof ProviderConfigError) {
      throw new UsageError(
        `template "${name}": ${err.message}` +
          (/builtin/.test(err.message)
            ? ' — the builtin provider reads the data plane router, which only a rollout can reach; try analysis replay'
            : ''),
      );
    }
    throw err;
  }
  if (!json) io.out(header(io, name, template, args));
  const signals = cancelOnSignals(io);
  let interrupted: string | undefined;
  const interrupt = () => {
    interrupted = missingEvidence(executor.explain(runId));
    executor.stop(runId);
  };
  signals.signal.addEventListener('abort', interrupt, { once: true });
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    executor.start({ runId, templates: [name], args });
    await done;
  } finally {
    clearInterval(keepAlive);
    signals.dispose();
    executor.close();
  }
  const why = executor.explain(runId) as RunExplanation;
  // stopping makes running metrics successful (Argo); without evidence for each, the CLI does not pass
  const phase: AnalysisPhase = interrupted ? 'inconclusive' : why.phase;
  const message = interrupted
    ? `stopped ${interrupted}`
    : `${why.message ?? ''}${interrupted === '' ? ' (stopped)' : ''}`;
  if (json) {
    const stopped = interrupted === undefined ? {} : { stopped: true, verdict: phase, reason: message };
    io.out(`${JSON.stringify({ template: name, ...why, ...stopped }, null, 2)}\n`);
  } else io.out(verdictLine(io, phase, message));
  return phase === 'successful' ? EXIT.ok : EXIT.failed;
}

/**
 * Why a run stopped now would lack evidence: a counted metric short of its count, or one without a
 * single successful measurement; '' when every counted metric has what it needs.
 */
function missingEvidence(why: RunExplanation | undefined): string {
  for (const m of why?.metrics ?? []) {
    if (m.dryRun || m.phase !== 'running') continue;
    const target = m.limits.count ?? (m.limits.intervalMs === undefined ? 1 : undefined);
    if (target !== undefined) return `before ${m.name} took its count (${m.counts.measured} of ${target})`;
    if (m.counts.successful === 0) return `before ${m.name} had a successful measurement`;
  }
  return '';
}

/**
 * `--judge`: a judge's name (`sequential-errors`) or a YAML flow map as `judge:` is written in
 * runway.yaml (`{sequential-errors: {alpha: 0.001}}`).
 */
function judgeFlag(text: string): unknown {
  if (/^[a-z][\w-]*$/.test(text)) return { [text]: {} };
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new UsageError(
      `--judge: expected a judge name or a map such as {sequential-errors: {alpha: 0.001}}: ${(err as Error).message}`,
    );
  }
}

/** `analysis replay`: the recorded series through the template on a fake clock, instantly. */
async function replayCommand(
  io: Io,
  pipeline: Pipeline,
  name: string,
  args: Record<string, string>,
  seriesFile: string,
  json: boolean,
  judge?: unknown,
): Promise<number> {
  const path = resolve(io.cwd, seriesFile);
  const series = readSeriesFile(path, shownPath(path, io.cwd));
  let result: ReplayResult;
  try {
    result = await replay({
      templates: pipeline.analysis,
      template: name,
      args,
      series,
      ...(judge !== undefined && { judge }),
    });
  } catch (err) {
    if (err instanceof ReplayError || err instanceof ResolveError) throw new UsageError(err.message);
    if (err instanceof AnalysisConfigError) throw new UsageError(`--judge: ${err.message}`);
    throw err;
  }
  if (json) {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    io.out(`${paint(io, 'bold', name)} replayed over ${result.from} … ${result.to}\n`);
    const start = Date.parse(result.from);
    const width = Math.max(0, ...result.timeline.map((e) => e.metric.length));
    for (const entry of result.timeline) io.out(timelineLine(io, entry, start, width));
    const after = offset(Date.parse(result.decidedAt) - start);
    io.out(verdictLine(io, result.phase, `at ${result.decidedAt} (${after} in): ${result.message}`));
  }
  return result.phase === 'successful' ? EXIT.ok : EXIT.failed;
}

/** `analysis test`: every case file under DIR, each case replayed and compared with its `expect`. */
async function testCommand(io: Io, pipeline: Pipeline, target: string, json: boolean): Promise<number> {
  const path = resolve(io.cwd, target);
  let results: CaseResult[];
  try {
    const cases = caseFiles(path).flatMap((f) => readCases(f, shownPath(f, io.cwd)));
    results = await runCases(cases, pipeline.analysis, defaultArgs(pipeline));
  } catch (err) {
    if (err instanceof TableTestError) throw new UsageError(err.message);
    throw err;
  }
  const failed = results.filter((r) => !r.passed).length;
  if (json) {
    const cases = results.map((r) => ({
      source: r.case.source,
      name: r.case.name,
      template: r.case.template,
      expect: r.case.expect,
      actual: r.actual,
      passed: r.passed,
      message: r.message,
      ...(r.decidedAt !== undefined && { decidedAt: r.decidedAt }),
    }));
    io.out(`${JSON.stringify({ passed: results.length - failed, failed, cases }, null, 2)}\n`);
  } else {
    for (const r of results) {
      const title = `${r.case.source} ${r.case.name} (${r.case.template})`;
      if (r.passed) {
        io.out(
          `${paint(io, 'green', '✔')} ${title}: ${r.actual}${r.decidedAt ? ` at ${r.decidedAt}` : ''}\n`,
        );
      } else {
        io.out(`${paint(io, 'red', '✖')} ${title}: expected ${r.case.expect}, got ${r.actual}\n`);
        io.out(`    ${r.message}\n`);
      }
    }
    const summary = `${results.length - failed} passed, ${failed} failed`;
    io.out(`${failed > 0 ? paint(io, 'red', summary) : paint(io, 'green', summary)}\n`);
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

function defaultArgs(pipeline: Pipeline): Record<string, string> {
  return pipeline.service?.name ? { service: pipeline.service.name } : {};
}

function argFlags(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--arg expects NAME=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function templateName(name: string | undefined, pipeline: Pipeline): string {
  const known = Object.keys(pipeline.analysis);
  const list = known.length > 0 ? known.join(', ') : 'none (runway.yaml has no analysis: section)';
  if (name === undefined) throw new UsageError(`a template name is needed — expected one of: ${list}`);
  if (!known.includes(name)) throw new UsageError(`unknown template "${name}" — expected one of: ${list}`);
  return name;
}

function parsedTemplate(pipeline: Pipeline, name: string): AnalysisTemplate {
  return loadAnalysisTemplates({ [name]: pipeline.analysis[name] })[name] as AnalysisTemplate;
}

function resolvable(template: AnalysisTemplate, args: Record<string, string>): void {
  try {
    resolveMetrics([template], args);
  } catch (err) {
    if (err instanceof ResolveError) throw new UsageError(`${err.message} (pass it with --arg NAME=VALUE)`);
    throw err;
  }
}

function readSeriesFile(path: string, shown: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--series: cannot read ${shown}`);
  }
  try {
    const data: unknown = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
    return parseSeries(data, shown);
  } catch (err) {
    if (err instanceof SeriesError) throw new UsageError(err.message);
    throw new UsageError(`--series: ${shown} is not valid JSON or YAML: ${(err as Error).message}`);
  }
}

interface ShownMeasurement extends Measurement {
  readonly metric: string;
}

/** Measurements judged since the last call, oldest first. */
function newMeasurements(why: RunExplanation, shown: Set<string>): ShownMeasurement[] {
  const out: ShownMeasurement[] = [];
  for (const metric of why.metrics) {
    for (const m of metric.measurements) {
      const key = `${metric.name}\u0000${m.startedAt}`;
      if (m.phase === 'running' || shown.has(key)) continue;
      shown.add(key);
      out.push({ ...m, metric: metric.name });
    }
  }
  return out.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

function header(io: Io, name: string, template: AnalysisTemplate, args: Record<string, string>): string {
  const given = Object.entries(args).map(([k, v]) => `${k}=${v}`);
  const metrics = template.metrics.map((m) => m.name).join(', ');
  const forever = template.metrics.some((m) => m.intervalMs !== undefined && m.count === undefined)
    ? paint(io, 'dim', '\n  a metric has an interval and no count: it runs until Ctrl-C')
    : '';
  return `${paint(io, 'bold', name)}: ${metrics}${given.length > 0 ? paint(io, 'dim', ` (${given.join(' ')})`) : ''}${forever}\n`;
}

const PHASE_STYLE: Record<AnalysisPhase, 'green' | 'red' | 'yellow' | 'dim'> = {
  successful: 'green',
  failed: 'red',
  error: 'red',
  inconclusive: 'yellow',
  running: 'dim',
};

function measurementLine(io: Io, m: ShownMeasurement, width: number): string {
  return `  ${m.finishedAt}  ${judged(io, m.metric, m, width)}\n`;
}

function timelineLine(io: Io, e: TimelineEntry, start: number, width: number): string {
  const at = `+${offset(Date.parse(e.at) - start)}`.padEnd(8);
  return `  ${paint(io, 'dim', at)} ${e.at}  ${judged(io, e.metric, e, width)}\n`;
}

/** `error-rate   failed        0.021  result < 0.02 is false for 0.021` */
function judged(
  io: Io,
  metric: string,
  m: { phase: AnalysisPhase; value?: unknown; message?: string },
  width: number,
): string {
  const value = m.value === undefined ? '' : `${formatValue(m.value)}  `;
  const phase = paint(io, PHASE_STYLE[m.phase], m.phase.padEnd(12));
  return `${metric.padEnd(width)}  ${phase}  ${value}${m.message ? paint(io, 'dim', m.message) : ''}`;
}

function offset(ms: number): string {
  return ms === 0 ? '0s' : formatDuration(ms);
}

function verdictLine(io: Io, phase: AnalysisPhase, message: string): string {
  const mark = phase === 'successful' ? '✔' : phase === 'inconclusive' ? '?' : '✖';
  return `${paint(io, PHASE_STYLE[phase], `${mark} ${phase}`)} ${message}\n`;
}

/** With `--environment` on a kubernetes target, `job: { spec }` metrics run as Jobs in its namespace. */
async function clusterJobs(pipeline: Pipeline, name: string): Promise<NonNullable<ProviderDeps['job']>> {
  const env = pipeline.environments[name];
  if (env === undefined) {
    const known = Object.keys(pipeline.environments).join(', ') || 'none';
    throw new UsageError(`--environment: unknown environment "${name}" — declared: ${known}`);
  }
  if (env.target.kind === 'local') return {};
  const { KubeClient } = await import('../../targets/kubernetes/kube-client.ts');
  const { KubernetesJobRunner } = await import('../../targets/kubernetes/job-runner.ts');
  const t = env.target;
  let client: InstanceType<typeof KubeClient>;
  try {
    client = new KubeClient({
      ...(t.kubeconfig === undefined ? {} : { kubeconfig: t.kubeconfig }),
      ...(t.context === undefined ? {} : { context: t.context }),
    });
  } catch (err) {
    throw new UsageError(
      `environments.${name}.target: cannot load the kubeconfig: ${(err as Error).message}`,
    );
  }
  return { kubernetes: new KubernetesJobRunner(client, t.namespace) };
}
