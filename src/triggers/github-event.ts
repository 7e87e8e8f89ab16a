/*
 * Whether a GitHub webhook delivery starts the pipeline, and the run's context if it does. Pure: the
 * payload in, a decision with its reason out.
 */
import picomatch from 'picomatch';
import type { ContextOverrides } from '../engine/run-context.ts';
import { fromEvent } from '../interop/github/actions-context.ts';
import type { Triggers } from './triggers.ts';

/** A delivery's decision: start a run with this context, or not, and why. */
export type EventDecision = { start: true; context: ContextOverrides } | { start: false; why: string };

type Json = Record<string, unknown>;

const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function matches(patterns: readonly string[] | undefined, value: string): boolean {
  return patterns === undefined || picomatch.isMatch(value, [...patterns], { dot: true });
}

/** The files a push changed (added, modified, removed), as far as the payload lists them. */
function changedFiles(payload: Json): string[] {
  const commits = Array.isArray(payload['commits']) ? payload['commits'] : [];
  return commits.flatMap((c) =>
    ['added', 'modified', 'removed'].flatMap((k) => {
      const list = obj(c)[k];
      return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
    }),
  );
}

/** Decides on one delivery (`X-GitHub-Event` and its JSON payload). */
export function decideGithubEvent(
  triggers: Triggers | undefined,
  event: string,
  payload: unknown,
): EventDecision {
  const p = obj(payload);
  if (event === 'push') {
    const on = triggers?.push;
    if (!on) return { start: false, why: 'runway.yaml has no on.push' };
    const ref = str(p['ref']) ?? '';
    if (p['deleted'] === true) return { start: false, why: `${ref} was deleted` };
    if (ref.startsWith('refs/tags/')) {
      const tag = ref.slice('refs/tags/'.length);
      if (on.tags === undefined || !matches(on.tags, tag))
        return { start: false, why: `tag ${tag} does not match on.push.tags` };
    } else if (ref.startsWith('refs/heads/')) {
      const branch = ref.slice('refs/heads/'.length);
      if (on.branches === undefined && on.tags !== undefined)
        return { start: false, why: 'on.push names tags only' };
      if (!matches(on.branches, branch))
        return {
          start: false,
          why: `branch ${branch} does not match on.push.branches (${on.branches!.join(', ')})`,
        };
    } else return { start: false, why: `ref "${ref}" is neither a branch nor a tag` };
    if (on.paths && !changedFiles(p).some((f) => matches(on.paths, f)))
      return { start: false, why: `no changed file matches on.push.paths (${on.paths.join(', ')})` };
    return { start: true, context: eventContext('push', payload) };
  }
  if (event === 'pull_request') {
    const on = triggers?.pullRequest;
    if (!on) return { start: false, why: 'runway.yaml has no on.pull_request' };
    const action = str(p['action']) ?? '';
    if (!on.types.includes(action))
      return {
        start: false,
        why: `pull_request ${action} is not in on.pull_request.types (${on.types.join(', ')})`,
      };
    const pr = obj(p['pull_request']);
    const base = str(obj(pr['base'])['ref']) ?? '';
    if (!matches(on.branches, base))
      return { start: false, why: `base branch ${base} does not match on.pull_request.branches` };
    return { start: true, context: eventContext('pull_request', payload) };
  }
  if (event === 'ping') return { start: false, why: 'ping: the webhook is set up' };
  return { start: false, why: `event ${event} starts nothing (runway reads push and pull_request)` };
}

/** A webhook's run context: the commit, ref and branch, the pull request's number and labels. */
export function eventContext(event: 'push' | 'pull_request', payload: unknown): ContextOverrides {
  const p = obj(payload);
  if (event === 'push') {
    const ref = str(p['ref']) ?? '';
    const sha = str(p['after']);
    return {
      ...fromEvent(payload),
      ...(sha ? { sha } : {}),
      ...(ref ? { ref, branch: ref.replace(/^refs\/(heads|tags)\//, '') } : {}),
      trigger: 'push',
    };
  }
  const pr = obj(p['pull_request']);
  const head = obj(pr['head']);
  const sha = str(head['sha']);
  const branch = str(head['ref']);
  const title = str(pr['title']);
  const number = typeof pr['number'] === 'number' ? pr['number'] : undefined;
  return {
    ...fromEvent(payload),
    ...(sha ? { sha } : {}),
    ...(number === undefined ? {} : { ref: `refs/pull/${number}/merge` }),
    ...(branch ? { branch } : {}),
    ...(title ? { message: title } : {}),
    trigger: 'pull_request',
  };
}
