import { randomBytes } from 'node:crypto';
import type { KubeClient, KubeObject } from './kube-client.ts';
import { MANAGED_BY } from './manifests.ts';

/** One analysis job to run in the cluster. */
export interface ClusterJobRequest {
  /** The metric it measures (names the Job). */
  readonly metric: string;
  /** The Job's `spec` as written in the analysis template, arguments already substituted. */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** How a Job ended: its last log line when it completed, or why it failed. */
export type ClusterJobResult = { readonly value: string } | { readonly error: string };

/** Runs analysis jobs (`job: { spec }`) as Kubernetes Jobs; the structural interface providers depend on. */
export interface ClusterJobs {
  run(request: ClusterJobRequest): Promise<ClusterJobResult>;
}

/** The client calls a job runner makes. */
export type JobClient = Pick<KubeClient, 'apply' | 'watchJobs' | 'listPods' | 'podLog'>;

/** Label tying a Job to the runner that created it. */
export const JOB_LABEL = 'runway.dev/analysis-job';

/**
 * The Job Runway creates for an analysis metric: the template's spec as written, a generated name,
 * Runway's labels, and the defaults a Job needs that Argo's examples spell out and the seed's
 * template leaves out: `restartPolicy: Never` and `backoffLimit: 0` (a failing check is not retried).
 */
export function analysisJob(
  namespace: string,
  name: string,
  spec: Readonly<Record<string, unknown>>,
): KubeObject {
  const template = (spec.template ?? {}) as {
    metadata?: Record<string, unknown>;
    spec?: Record<string, unknown>;
  };
  const podSpec = template.spec ?? {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: { [MANAGED_BY]: 'runway', [JOB_LABEL]: name } },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        ...template,
        spec: { restartPolicy: 'Never', ...podSpec },
      },
    },
  };
}

/** A Job name for a metric: lowercase DNS label, a random suffix, at most 63 characters. */
export function jobName(metric: string): string {
  const base =
    metric
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'job';
  return `runway-${base}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates the Job (server-side apply), follows it by watch until its Complete or Failed condition,
 * and reads the last non-empty line of its pod's log as the measured value (`result == "pass"`).
 */
export class KubernetesJobRunner implements ClusterJobs {
  readonly #client: JobClient;
  readonly #namespace: string;

  constructor(client: JobClient, namespace: string) {
    this.#client = client;
    this.#namespace = namespace;
  }

  async run(request: ClusterJobRequest): Promise<ClusterJobResult> {
    const name = jobName(request.metric);
    await this.#client.apply(analysisJob(this.#namespace, name, request.spec));
    const jobs = this.#client.watchJobs(this.#namespace, `${JOB_LABEL}=${name}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      const ended = await new Promise<'Complete' | 'Failed' | 'timeout' | 'cancelled'>((resolve, reject) => {
        const check = (): void => {
          const job = jobs.list().find((j) => j.metadata?.name === name);
          const end = job === undefined ? undefined : finished(job);
          if (end !== undefined) resolve(end.type);
        };
        timer = setTimeout(() => resolve('timeout'), request.timeoutMs);
        request.signal.addEventListener('abort', () => resolve('cancelled'), { once: true });
        jobs.onChange(check);
        jobs.ready().then(check, reject);
      });
      if (ended === 'timeout') return { error: `job ${name} did not finish within ${request.timeoutMs} ms` };
      if (ended === 'cancelled') return { error: `job ${name} cancelled before it finished` };
      const job = jobs.list().find((j) => j.metadata?.name === name)!;
      const last = await this.#lastLine(name);
      if (ended === 'Complete') return { value: last };
      const why = finished(job)?.message ?? 'failed';
      return { error: `job ${name} failed: ${why}${last ? `: ${last}` : ''}` };
    } finally {
      clearTimeout(timer);
      jobs.stop();
    }
  }

  async #lastLine(name: string): Promise<string> {
    const pods = await this.#client.listPods(this.#namespace, `job-name=${name}`);
    const pod = pods.at(-1);
    if (pod?.metadata?.name === undefined) return '';
    const log = await this.#client.podLog(this.#namespace, pod.metadata.name);
    return (
      log
        .split(/\r?\n/)
        .map((l) => l.trim())
        .findLast((l) => l !== '') ?? ''
    );
  }
}

function finished(job: KubeObject): { type: 'Complete' | 'Failed'; message?: string } | undefined {
  const conditions =
    (job.status as { conditions?: { type: string; status: string; message?: string }[] } | undefined)
      ?.conditions ?? [];
  const end = conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (end === undefined) return undefined;
  return {
    type: end.type as 'Complete' | 'Failed',
    ...(end.message === undefined ? {} : { message: end.message }),
  };
}
