/*
 * `on:` in runway.yaml: what starts a pipeline in `runway serve`, with the keys of GitHub Actions:
 * `push` (branches, tags, paths), `pull_request` (types, branches, paths) and `schedule` (cron with
 * a timezone). Branch and path filters are globs (`*` within a segment, `**` across).
 */
import type * as Croner from 'croner';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** croner, loaded when a file has `on.schedule` to check, not at every command's start. */
const croner = () => require('croner') as typeof Croner;

/** The `pull_request` activity types a run starts on by default, as in GitHub Actions. */
export const DEFAULT_PR_TYPES = ['opened', 'synchronize', 'reopened'] as const;

/** `on:` as written (checked by the schema). */
export interface TriggersConfig {
  push?: { branches?: string[]; tags?: string[]; paths?: string[] };
  pull_request?: { types?: string[]; branches?: string[]; paths?: string[] };
  schedule?: { cron: string; timezone?: string }[];
}

/** `on:` resolved: frozen into the pipeline. */
export interface Triggers {
  push?: { branches?: string[]; tags?: string[]; paths?: string[] };
  pullRequest?: { types: string[]; branches?: string[]; paths?: string[] };
  schedule: { cron: string; timezone: string }[];
}

/** Resolves `on:` (absent: nothing but `runway run` starts the pipeline). */
export function resolveTriggers(on: TriggersConfig | undefined): Triggers | undefined {
  if (on === undefined) return undefined;
  return {
    ...(on.push ? { push: { ...on.push } } : {}),
    ...(on.pull_request
      ? { pullRequest: { ...on.pull_request, types: on.pull_request.types ?? [...DEFAULT_PR_TYPES] } }
      : {}),
    schedule: (on.schedule ?? []).map((s) => ({ cron: s.cron, timezone: s.timezone ?? 'UTC' })),
  };
}

/** Problems the schema cannot see: a cron expression or timezone croner refuses. */
export function triggerIssues(
  on: TriggersConfig | undefined,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  (on?.schedule ?? []).forEach((s, i) => {
    if (s.timezone !== undefined) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: s.timezone });
      } catch {
        issues.push({
          path: ['on', 'schedule', i, 'timezone'],
          message: `on.schedule[${i}].timezone "${s.timezone}" is not an IANA timezone such as Europe/Berlin`,
        });
        return;
      }
    }
    try {
      new (croner().Cron)(s.cron, { paused: true, timezone: s.timezone ?? 'UTC' });
    } catch (err) {
      issues.push({
        path: ['on', 'schedule', i, 'cron'],
        message: `on.schedule[${i}].cron "${s.cron}" is not a cron expression (${(err as Error).message}) — expected five fields such as "0 2 * * 1-5"`,
      });
    }
  });
  return issues;
}
