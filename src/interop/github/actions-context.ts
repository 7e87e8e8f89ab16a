import { readFileSync } from 'node:fs';
import type { ContextOverrides } from '../../engine/run-context.ts';

/** What `runway run` takes from a GitHub Actions job, and where it writes back. */
export interface ActionsJob {
  /** Run context fields the job knows; flags still take precedence. */
  context: ContextOverrides;
  /** `GITHUB_STEP_SUMMARY`: the Markdown file shown on the run's page. */
  summaryFile?: string;
  /** `GITHUB_OUTPUT`: the step's outputs file. */
  outputFile?: string;
  /** Problems reading the event file (the run goes on with what the variables say). */
  warnings: string[];
}

/**
 * The job's context when `GITHUB_ACTIONS=true`, else undefined: sha and ref from `GITHUB_SHA` and
 * `GITHUB_REF`, the trigger from `GITHUB_EVENT_NAME`, a pull request's branch from `GITHUB_HEAD_REF`, and from the event file (`GITHUB_EVENT_PATH`)
 * the pull request's number and labels, or a push's head commit message, author and time.
 */
export function actionsJob(env: NodeJS.ProcessEnv): ActionsJob | undefined {
  if (env['GITHUB_ACTIONS'] !== 'true') return undefined;
  const warnings: string[] = [];
  const context: ContextOverrides = {};
  const set = (key: 'sha' | 'ref' | 'trigger' | 'branch', name: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') context[key] = v;
  };
  set('sha', 'GITHUB_SHA');
  set('ref', 'GITHUB_REF');
  set('trigger', 'GITHUB_EVENT_NAME');
  set('branch', 'GITHUB_HEAD_REF'); // a pull request's source branch (its ref is refs/pull/N/merge)
  const eventPath = env['GITHUB_EVENT_PATH'];
  if (eventPath) {
    try {
      Object.assign(context, fromEvent(JSON.parse(readFileSync(eventPath, 'utf8')) as unknown));
    } catch (err) {
      warnings.push(`cannot read the event file ${eventPath}: ${(err as Error).message}`);
    }
  }
  const job: ActionsJob = { context, warnings };
  if (env['GITHUB_STEP_SUMMARY']) job.summaryFile = env['GITHUB_STEP_SUMMARY'];
  if (env['GITHUB_OUTPUT']) job.outputFile = env['GITHUB_OUTPUT'];
  return job;
}

/** Context fields found in a webhook event payload (pull_request or push); unknown shapes give none. */
export function fromEvent(event: unknown): ContextOverrides {
  const out: ContextOverrides = {};
  if (!isObject(event)) return out;
  const pr = event['pull_request'];
  if (isObject(pr)) {
    if (typeof pr['number'] === 'number') out.pullRequest = pr['number'];
    const labels = Array.isArray(pr['labels']) ? pr['labels'] : [];
    out.labels = labels.flatMap((l) => (isObject(l) && typeof l['name'] === 'string' ? [l['name']] : []));
    const user = pr['user'];
    if (isObject(user) && typeof user['login'] === 'string') out.author = user['login'];
    return out;
  }
  const head = event['head_commit'];
  if (isObject(head)) {
    if (typeof head['message'] === 'string') out.message = head['message'].trim();
    if (typeof head['timestamp'] === 'string') out.committedAt = head['timestamp'];
    const author = head['author'];
    if (isObject(author) && typeof author['name'] === 'string') {
      out.author =
        typeof author['email'] === 'string' ? `${author['name']} <${author['email']}>` : author['name'];
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
