import { LocalExecutor } from '../../executors/local/local-executor.ts';
import type { Executor, ProcessResult } from '../../executors/executor.ts';
import type { ClusterJobs } from '../../targets/kubernetes/job-runner.ts';
import type { MeasureContext, MetricQuery, Provider } from '../provider.ts';
import { argsToEnv } from './job-env.ts';
import { errorMeasurement, excerpt, isError, queryFor, settle } from './measurement.ts';
import type { ErrorMeasurement } from './measurement.ts';

/** What a job that exited 0 measured: its last non-empty stdout line ('' when it printed nothing). */
export interface JobValue {
  readonly value: string;
  readonly exitCode: 0;
}

/** A job measurement, or why there is none (it did not run, failed, timed out or was cancelled). */
export type JobMeasurement = JobValue | ErrorMeasurement;

/** Where and how jobs run; the defaults run them with bash on this machine. */
export interface JobOptions {
  /** Only `run` is used; the default is the LocalExecutor (process groups, bash -eo pipefail). */
  readonly executor?: Pick<Executor, 'run'>;
  /** Working directory of every job (default: the current directory). */
  readonly cwd?: string;
  /** Where PATH and HOME come from (default: this process's environment); nothing else is passed. */
  readonly hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Where `spec:` jobs run: the Kubernetes cluster of the environment's `kubernetes` target. */
  readonly kubernetes?: ClusterJobs;
}

/** Output kept per stream: the verdict is at the end, so only the tail matters. */
const TAIL_CHARS = 64 * 1024;

/**
 * Runs a job's `run:` command to completion in a clean environment (PATH, HOME and the analysis args
 * as `RUNWAY_ARG_*`). Exit 0: the value is the last non-empty stdout line, and conditions decide
 * (`result == "pass"`). Any other ending is an error measurement with the exit code and last line.
 */
export class JobProvider implements Provider {
  readonly name = 'job';
  readonly #executor: Pick<Executor, 'run'>;
  readonly #cwd: string;
  readonly #baseEnv: Readonly<Record<string, string>>;
  readonly #kubernetes: ClusterJobs | undefined;

  constructor(options: JobOptions = {}) {
    this.#executor = options.executor ?? new LocalExecutor();
    this.#cwd = options.cwd ?? process.cwd();
    const host = options.hostEnv ?? process.env;
    const base: Record<string, string> = {};
    for (const name of ['PATH', 'HOME']) {
      const value = host[name];
      if (value !== undefined) base[name] = value;
    }
    this.#baseEnv = Object.freeze(base);
    this.#kubernetes = options.kubernetes;
  }

  /** Runs the command; never rejects. */
  measure(query: MetricQuery, ctx: MeasureContext): Promise<JobMeasurement> {
    return settle('job', ctx, async () => {
      const q = queryFor(query, 'job');
      if (isError(q)) return q;
      if (q.spec !== undefined && this.#kubernetes !== undefined) {
        if (!Number.isInteger(q.timeoutMs) || q.timeoutMs <= 0) {
          return errorMeasurement(`job timeoutMs must be a positive whole number, got ${q.timeoutMs}`);
        }
        const ran = await this.#kubernetes.run({
          metric: query.metric,
          spec: q.spec,
          timeoutMs: q.timeoutMs,
          signal: ctx.signal,
        });
        return 'error' in ran
          ? errorMeasurement(ran.error)
          : Object.freeze({ value: ran.value, exitCode: 0 as const });
      }
      if (typeof q.run !== 'string' || q.run.trim() === '') {
        return errorMeasurement(
          q.spec !== undefined
            ? 'a Kubernetes job spec needs the kubernetes target; on the local target give the job a run: command'
            : `job of metric ${JSON.stringify(query.metric)} has no run: command`,
        );
      }
      if (!Number.isInteger(q.timeoutMs) || q.timeoutMs <= 0) {
        return errorMeasurement(`job timeoutMs must be a positive whole number, got ${q.timeoutMs}`);
      }
      const args = argsToEnv(ctx.args);
      if ('error' in args) return errorMeasurement(args.error);
      const stdout = new Tail();
      const stderr = new Tail();
      const result = await this.#executor.run({
        script: q.run,
        cwd: this.#cwd,
        env: { ...this.#baseEnv, ...args.env },
        timeoutMs: q.timeoutMs,
        signal: ctx.signal,
        secrets: [],
        onOutput: (text, stream) => (stream === 'stdout' ? stdout : stderr).push(text),
      });
      return judge(result, q.timeoutMs, stdout.lastLine(), stderr.lastLine());
    });
  }
}

function judge(result: ProcessResult, timeoutMs: number, out: string, err: string): JobMeasurement {
  if (result.cancelled) return errorMeasurement('job cancelled before it finished');
  if (result.timedOut) return errorMeasurement(`job did not finish within ${timeoutMs} ms`);
  if (result.exitCode === 0) return Object.freeze({ value: out, exitCode: 0 });
  const ending =
    result.exitCode === null
      ? `was killed by ${result.signal ?? 'a signal'}`
      : `exited with code ${result.exitCode}`;
  const last = err || out;
  return errorMeasurement(`job ${ending}${last ? `: ${excerpt(last, 200)}` : ''}`);
}

class Tail {
  #text = '';

  push(chunk: string): void {
    this.#text = (this.#text + chunk).slice(-TAIL_CHARS);
  }

  lastLine(): string {
    const lines = this.#text.split(/\r?\n/).map((l) => l.trim());
    return lines.findLast((l) => l !== '') ?? '';
  }
}
