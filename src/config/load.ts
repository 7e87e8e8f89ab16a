import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ACTIONS } from '../actions/registry.ts';
import type { Action } from '../actions/action.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { PositionIndex } from './positions.ts';
import { PIPELINE_SCHEMA, type PipelineConfig } from './schema.ts';
import { schemaIssues } from './validate-schema.ts';
import { MAX_FILE_BYTES, yamlLimitIssues } from './yaml-limits.ts';
import { checkSemantics } from './semantics.ts';
import { subscriptionIssues } from '../notify/subscription.ts';
import { resolvePipeline } from './resolve.ts';
import { CalendarError } from '../gates/windows/calendar.ts';
import { parseWindows } from '../gates/windows/parse.ts';
import { triggerIssues } from '../triggers/triggers.ts';
import { formatAnalysisIssue } from '../analysis/fields.ts';
import { parseAnalysisTemplates } from '../analysis/template.ts';
import type { Pipeline } from './pipeline.ts';
import { defaultRouterKind, routerKindsFor, ROUTER_TARGETS } from '../routers/kinds.ts';

export interface LoadOptions {
  /** Built-in actions `uses:` may name (default: all). */
  actions?: ReadonlyMap<string, Action>;
}

/** Reads, validates and resolves a pipeline file; throws ConfigError listing every problem. */
export function loadPipeline(file: string, opts: LoadOptions = {}): Pipeline {
  const path = resolve(file);
  const shown = relative(process.cwd(), path) || path;
  let text: string;
  try {
    const bytes = statSync(path).size;
    if (bytes > MAX_FILE_BYTES) {
      throw new ConfigError([
        {
          file: shown,
          line: 1,
          col: 1,
          message: `the pipeline file is ${bytes} bytes — expected at most ${MAX_FILE_BYTES} (4 MiB)`,
        },
      ]);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(code);
    throw new ConfigError([
      { file: shown, line: 1, col: 1, message: `cannot read the pipeline file: ${why}` },
    ]);
  }
  return parsePipeline(text, shown, dirname(path), opts);
}

/** Validates and resolves pipeline text; `file` is the name used in messages. */
export function parsePipeline(text: string, file: string, root: string, opts: LoadOptions = {}): Pipeline {
  const lines = new LineCounter();
  // keys are checked for uniqueness by yamlLimitIssues, in linear time (the parser's check is quadratic)
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const positions = new PositionIndex(file, doc, lines);
  const yamlIssues: ConfigIssue[] = doc.errors.map((e) => ({
    ...positions.offset(e.pos[0]),
    message: `invalid YAML: ${yamlMessage(e.code, e.message)}`,
  }));
  if (yamlIssues.length > 0) throw new ConfigError(yamlIssues);
  const limitIssues = yamlLimitIssues(doc).map((i) => ({
    ...positions.offset(i.offset),
    message: `invalid YAML: ${i.message}`,
  }));
  if (limitIssues.length > 0) throw new ConfigError(sortIssues(limitIssues));

  // the expansion is bounded above, so the parser's own alias limit (100 uses per anchor) is lifted
  const value: unknown = doc.toJS({ maxAliasCount: -1 });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([
      { file, line: 1, col: 1, message: 'the pipeline file must be a mapping with "version" and "stages"' },
    ]);
  }
  const shapeIssues = schemaIssues(PIPELINE_SCHEMA, value, positions);
  if (shapeIssues.length > 0) throw new ConfigError(sortIssues(shapeIssues));

  const config = value as PipelineConfig;
  const actions = opts.actions ?? ACTIONS;
  const semanticIssues = [
    ...checkSemantics(config, positions, actions, root),
    ...windowIssues(config, positions),
    ...triggerIssues(config.on).map((i) => ({ ...positions.at(i.path), message: i.message })),
    ...analysisIssues(config, positions),
    ...environmentIssues(config, positions),
    ...subscriptionIssues(
      config.notifications ?? {},
      Object.keys(config.secrets ?? {}),
      Object.keys(config.environments ?? {}),
    ).map((i) => ({ ...positions.at(i.path), message: i.message })),
  ];
  if (semanticIssues.length > 0) throw new ConfigError(sortIssues(semanticIssues));
  return resolvePipeline(config, file, root);
}

/** Analysis templates are checked by their own parser; its field paths become file positions. */
function analysisIssues(config: PipelineConfig, positions: PositionIndex): ConfigIssue[] {
  if (config.analysis === undefined) return [];
  return parseAnalysisTemplates(config.analysis).issues.map((i) => ({
    ...positions.at(i.path),
    message: formatAnalysisIssue(i),
  }));
}

/** Calendars are checked by their own parser; its field paths become file positions. */
/** Each environment needs ports of its own: one router per port on 127.0.0.1. */
function environmentIssues(config: PipelineConfig, positions: PositionIndex): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const owner = new Map<number, string>();
  for (const [name, env] of Object.entries(config.environments ?? {})) {
    // a cluster target splits traffic by itself (an HTTPRoute, Argo Rollouts) unless a router is named
    const router = env.router?.kind ?? defaultRouterKind(env.target.kind);
    const targets: readonly string[] = router === undefined ? [] : (ROUTER_TARGETS[router] ?? []);
    if (router !== undefined && !targets.includes(env.target.kind)) {
      const valid = routerKindsFor(env.target.kind);
      issues.push({
        ...positions.at(['environments', name, 'router', 'kind']),
        message:
          `environments.${name}.router.kind ${router} cannot route a ${env.target.kind} target — expected ` +
          (valid.length > 0
            ? `a router of kind ${valid.join(' or ')} (or no router: ${defaultRouterKind(env.target.kind)} is the default)`
            : `no router: a ${env.target.kind} target splits traffic by itself`),
      });
    }
    if (env.target.kind !== 'local') continue;
    for (const key of ['port', 'preview-port'] as const) {
      const port = env.target[key];
      if (port === undefined) continue;
      const first = owner.get(port);
      if (first !== undefined) {
        issues.push({
          ...positions.at(['environments', name, 'target', key]),
          message: `environments.${name}.target.${key} ${port} is already ${first} — expected a port of its own`,
        });
      } else owner.set(port, `the ${key} of ${name}`);
    }
  }
  return issues;
}

function windowIssues(config: PipelineConfig, positions: PositionIndex): ConfigIssue[] {
  try {
    parseWindows(config.windows ?? {});
    return [];
  } catch (err) {
    if (!(err instanceof CalendarError)) throw err;
    return err.issues.map((i) => {
      const path = i.path
        .split(/\.|\[(\d+)\]/)
        .filter((p) => p !== undefined && p !== '')
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      return { ...positions.at(path), message: `${i.path}: ${i.message}` };
    });
  }
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  if (code === 'DUPLICATE_KEY') return `${first.replace(/\.$/, '')} — each key may appear once`;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}
