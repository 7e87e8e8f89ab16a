/*
 * Table tests for analysis templates: files of cases `{ template, args, series, expect }`, each
 * replayed (replay.ts) and compared with its expected verdict. This is how a team pins its
 * thresholds against recordings of past incidents and healthy releases.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { formatPath, type FieldPath } from '../arguments.ts';
import { describe, FieldReader, formatAnalysisIssue } from '../fields.ts';
import type { AnalysisPhase } from '../provider.ts';
import { replay, type ReplayResult } from './replay.ts';
import { parseSeries, SeriesError, type RecordedSeries } from './series.ts';

/** Verdicts a case may expect. */
export const EXPECTED_PHASES = ['successful', 'failed', 'inconclusive', 'error'] as const;

/** One table-test case, read and checked. */
export interface TableCase {
  readonly name: string;
  /** Where the case is written, e.g. `analysis-tests/slo.test.yaml#2`. */
  readonly source: string;
  readonly template: string;
  readonly args: Readonly<Record<string, string>>;
  readonly series: RecordedSeries;
  readonly expect: (typeof EXPECTED_PHASES)[number];
  readonly failureLimit?: number;
  readonly intervalMs?: number;
}

/** What one case gave. */
export interface CaseResult {
  readonly case: TableCase;
  readonly passed: boolean;
  readonly actual: AnalysisPhase;
  readonly message: string;
  readonly decidedAt?: string;
  readonly replay?: ReplayResult;
}

/** Case files that cannot be read; lists every problem with its file and field. */
export class TableTestError extends Error {
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'TableTestError';
  }
}

/** Names a case file must end with; other files (series recordings) are data. */
export const CASE_FILE = /\.test\.(ya?ml|json)$/;

const FILE_KEYS = ['template', 'args', 'cases'] as const;
const CASE_KEYS = ['name', 'template', 'args', 'series', 'expect', 'failureLimit', 'interval'] as const;

/**
 * The case files under `path` (a directory, searched recursively, or one file), sorted.
 * @example caseFiles('analysis-tests') // ['analysis-tests/slo-burn.test.yaml']
 */
export function caseFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new TableTestError([`${path}: no such file or directory`]);
  }
  if (!stat.isDirectory()) return [path];
  const files = readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((f) => CASE_FILE.test(f))
    .map((f) => join(path, f))
    .sort();
  if (files.length === 0) {
    throw new TableTestError([`${path}: no case files (*.test.yaml, *.test.yml or *.test.json) in it`]);
  }
  return files;
}

/**
 * Reads the cases of one file: `{ template?, args?, cases: [...] }`, a list of cases, or one case.
 * A case's `series` is inline or the path of a recording beside the file. `shownAs` names the file.
 */
export function readCases(file: string, shownAs = file): TableCase[] {
  const problems: string[] = [];
  let data: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    data = file.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (err) {
    throw new TableTestError([`${shownAs}: cannot read: ${(err as Error).message.split('\n')[0]}`]);
  }
  const r = new FieldReader();
  let defaults: { template?: unknown; args?: unknown } = {};
  let list: unknown[];
  let base: FieldPath = [];
  if (Array.isArray(data)) list = data;
  else if (isObject(data) && data['cases'] !== undefined) {
    const top = r.object(data, [], FILE_KEYS) ?? {};
    defaults = { template: top['template'], args: top['args'] };
    list = Array.isArray(top['cases']) ? top['cases'] : [];
    if (!Array.isArray(top['cases']))
      r.fail(['cases'], `expected a list of cases, got ${describe(top['cases'])}`);
    base = ['cases'];
  } else list = [data];
  const cases: TableCase[] = [];
  list.forEach((item, i) => {
    const path = [...base, i];
    const c = readCase(r, item, path, defaults, file, problems, shownAs);
    if (c) cases.push({ ...c, source: `${shownAs}#${i + 1}` });
  });
  problems.unshift(...r.issues.map((issue) => `${shownAs}: ${formatAnalysisIssue(issue)}`));
  if (problems.length > 0) throw new TableTestError(problems);
  if (cases.length === 0) throw new TableTestError([`${shownAs}: no cases`]);
  return cases;
}

function readCase(
  r: FieldReader,
  item: unknown,
  path: FieldPath,
  defaults: { template?: unknown; args?: unknown },
  file: string,
  problems: string[],
  shownAs: string,
): Omit<TableCase, 'source'> | undefined {
  const before = r.issues.length;
  const obj = r.object(item, path, CASE_KEYS);
  if (!obj) return undefined;
  const merged = { ...obj, template: obj['template'] ?? defaults.template };
  const template = r.string(merged, 'template', path, true);
  const expect =
    obj['expect'] === undefined
      ? r.fail([...path, 'expect'], 'is required')
      : r.oneOf(obj, 'expect', path, EXPECTED_PHASES);
  const failureLimit = r.integer(obj, 'failureLimit', path, 0);
  const intervalMs = r.duration(obj, 'interval', path, true);
  const args = { ...readArgs(r, defaults.args, ['args']), ...readArgs(r, obj['args'], [...path, 'args']) };
  const name = r.string(obj, 'name', path) ?? `case ${Number(path.at(-1)) + 1}`;
  let series: RecordedSeries | undefined;
  try {
    series = loadSeries(obj['series'], file, shownAs, `${shownAs}: ${formatPath([...path, 'series'])}`);
  } catch (err) {
    if (!(err instanceof SeriesError)) throw err;
    problems.push(err.message);
  }
  if (r.issues.length > before || !template || !expect || !series) return undefined;
  return {
    name,
    template,
    args,
    series,
    expect,
    ...(failureLimit !== undefined && { failureLimit }),
    ...(intervalMs !== undefined && { intervalMs }),
  };
}

/** A case's series: inline, or the path of a recording beside the case file; `where` names the field. */
function loadSeries(value: unknown, file: string, shownAs: string, where: string): RecordedSeries {
  if (typeof value === 'string') {
    const path = resolve(dirname(file), value);
    const shown = join(dirname(shownAs), value);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new SeriesError(where, [], `cannot read ${shown}`);
    }
    let data: unknown;
    try {
      data = path.endsWith('.json') ? JSON.parse(text) : parse(text);
    } catch (err) {
      throw new SeriesError(
        shown,
        [],
        `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      );
    }
    return parseSeries(data, shown);
  }
  if (value === undefined)
    throw new SeriesError(where, [], 'is required (inline, or the path of a recording)');
  return parseSeries(value, where);
}

function readArgs(r: FieldReader, value: unknown, path: FieldPath): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value))
    return r.fail(path, `expected a map of argument names to values, got ${describe(value)}`) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else r.fail([...path, k], `expected a string, got ${describe(v)}`);
  }
  return out;
}

/** Replays every case against the templates; a case that cannot run (no series for a metric…) fails with why. */
export async function runCases(
  cases: readonly TableCase[],
  templates: Readonly<Record<string, unknown>>,
  defaultArgs: Readonly<Record<string, string>> = {},
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    try {
      const result = await replay({
        templates,
        template: c.template,
        args: { ...defaultArgs, ...c.args },
        series: c.series,
        ...(c.failureLimit !== undefined && { failureLimit: c.failureLimit }),
        ...(c.intervalMs !== undefined && { intervalMs: c.intervalMs }),
      });
      results.push({
        case: c,
        passed: result.phase === c.expect,
        actual: result.phase,
        message: result.message,
        decidedAt: result.decidedAt,
        replay: result,
      });
    } catch (err) {
      results.push({
        case: c,
        passed: false,
        actual: 'error',
        message: `cannot replay: ${(err as Error).message}`,
      });
    }
  }
  return results;
}

/** A path as shown to people: relative to `cwd` when inside it. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
