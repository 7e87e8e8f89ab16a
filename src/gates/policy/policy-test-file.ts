/*
 * Reads policy test files (YAML or JSON): a list of cases, or `{policy?, defaults?, cases}`. Every
 * problem is reported at once, each with its file:line:col, as a ConfigError.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { LineCounter, parse as parseYaml, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../../config/errors.ts';
import { PositionIndex, type Path } from '../../config/positions.ts';
import { schemaIssues } from '../../config/validate-schema.ts';
import { parseRfc3339 } from '../incidents/rfc3339.ts';
import type { Calendar } from '../windows/calendar.ts';
import type { Policy } from './policy.ts';
import type { Expectation, PolicyTestCase, PolicyTestSuite } from './policy-tests.ts';
import { setPath } from '../release/assemble-input.ts';

/** Extensions of the files a directory contributes (not recursive: subfolders hold policies, other suites). */
export const POLICY_TEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** Pipeline files are never policy tests, so a suite may sit beside the runway.yaml whose windows it uses. */
const PIPELINE_FILES = ['runway.yaml', 'runway.yml'];

const NAMES = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

const SETUP_FIELDS = {
  input: { type: 'object', description: 'a gate input shaped like the seed gate-input.json' },
  'input-file': { type: 'string', minLength: 1 },
  patch: { type: 'object', description: 'dotted input paths and their values' },
  unset: NAMES,
  at: { type: 'string', minLength: 1 },
  window: {
    anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }],
    description: 'a calendar name, or null for none',
  },
  'in-flight': { type: 'string', pattern: '^(check|ignore)$', description: '"check" or "ignore"' },
} as const;

const EXPECT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['outcome'],
  properties: {
    outcome: { type: 'string', pattern: '^(allow|deny)$', description: '"allow" or "deny"' },
    strategy: { type: 'string', minLength: 1 },
    violations: NAMES,
    warnings: NAMES,
    message: { type: 'string', minLength: 1 },
  },
} as const;

const CASE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'expect'],
  properties: { name: { type: 'string', minLength: 1 }, ...SETUP_FIELDS, expect: EXPECT_SCHEMA },
} as const;

const CASES_SCHEMA = { type: 'array', minItems: 1, items: CASE_SCHEMA } as const;

/** JSON Schema of a policy test file in its long form. */
export const POLICY_TEST_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['cases'],
  properties: {
    policy: { type: 'string', minLength: 1, description: '"default" or a CEL policy file' },
    defaults: { type: 'object', additionalProperties: false, properties: SETUP_FIELDS },
    cases: CASES_SCHEMA,
  },
} as const;

/** What a file's cases may refer to. */
export interface PolicyTestContext {
  /** Calendars a case's `window` may name (presets and the pipeline's `windows:`). */
  calendars: Readonly<Record<string, Calendar>>;
  /** Builds the policy a file names (`default` or a path, relative to `root`); throws on a bad one. */
  policyFor(ref: string, root: string): Policy;
  /** The evaluation time of cases without `at` (and without a window). */
  now: Date;
  /** Directory file names in messages are relative to. */
  cwd: string;
}

type Setup = {
  input?: Record<string, unknown>;
  'input-file'?: string;
  patch?: Record<string, unknown>;
  unset?: string[];
  at?: string;
  window?: string | null;
  'in-flight'?: 'check' | 'ignore';
};
type RawCase = Setup & { name: string; expect: Expectation };
type RawFile = { policy?: string; defaults?: Setup; cases: RawCase[] };

/**
 * The policy test files that `paths` name: files as given, directories by their `.yaml`, `.yml`
 * and `.json` files but `runway.yaml` (sorted, not recursive). A path that does not exist is an error.
 */
export function policyTestFiles(paths: readonly string[], cwd: string): string[] {
  const files: string[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new ConfigError([{ file: given, line: 1, col: 1, message: 'no such file or directory' }]);
    }
    if (!isDir) {
      files.push(path);
      continue;
    }
    const found = readdirSync(path, { withFileTypes: true })
      .filter(
        (e) =>
          e.isFile() &&
          (POLICY_TEST_EXTENSIONS as readonly string[]).includes(extname(e.name)) &&
          !PIPELINE_FILES.includes(e.name),
      )
      .map((e) => join(path, e.name))
      .sort();
    if (found.length === 0) {
      throw new ConfigError([
        {
          file: given,
          line: 1,
          col: 1,
          message: 'no policy test files (.yaml, .yml, .json) in this directory',
        },
      ]);
    }
    files.push(...found);
  }
  return [...new Set(files)];
}

/**
 * Reads one policy test file.
 * @throws ConfigError listing every problem, each with its position.
 */
export function loadPolicyTestFile(path: string, ctx: PolicyTestContext): PolicyTestSuite {
  const shown = relative(ctx.cwd, path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([{ file: shown, line: 1, col: 1, message: `cannot read the file: ${code}` }]);
  }
  return parsePolicyTestFile(text, shown, dirname(path), ctx);
}

/** Parses policy test text; `file` is the name used in messages, `root` the directory paths are relative to. */
export function parsePolicyTestFile(
  text: string,
  file: string,
  root: string,
  ctx: PolicyTestContext,
): PolicyTestSuite {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const positions = new PositionIndex(file, doc, lines);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        ...positions.offset(e.pos[0]),
        message: `invalid YAML: ${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const bare = Array.isArray(value);
  if (!bare && (value === null || typeof value !== 'object')) {
    throw new ConfigError([
      { file, line: 1, col: 1, message: 'a policy test file is a list of cases, or a mapping with "cases"' },
    ]);
  }
  const shape = schemaIssues(bare ? CASES_SCHEMA : POLICY_TEST_FILE_SCHEMA, value, positions);
  if (shape.length > 0) throw new ConfigError(sorted(shape));

  const raw: RawFile = bare ? { cases: value as RawCase[] } : (value as RawFile);
  const issues: ConfigIssue[] = [];
  const scope: FileScope = {
    raw,
    root,
    ctx,
    casePath: (i) => (bare ? [i] : ['cases', i]),
    issue: (path, message) => issues.push({ ...positions.at(path), message }),
    inputFiles: new Map(),
  };

  let policy: Policy | undefined;
  try {
    policy = ctx.policyFor(raw.policy ?? 'default', root);
  } catch (err) {
    scope.issue(['policy'], `policy: ${(err as Error).message}`);
  }
  if (raw.defaults?.input !== undefined && raw.defaults['input-file'] !== undefined)
    scope.issue(['defaults', 'input-file'], 'defaults has both input and input-file — give one');

  const names = new Map<string, number>();
  const cases: PolicyTestCase[] = [];
  raw.cases.forEach((c, i) => {
    const seen = names.get(c.name);
    if (seen !== undefined) {
      scope.issue(
        [...scope.casePath(i), 'name'],
        `case name "${c.name}" is used twice (also ${label(scope.casePath(seen))})`,
      );
    }
    names.set(c.name, i);
    const built = buildCase(scope, c, i);
    if (built) cases.push({ ...built, where: positions.at(scope.casePath(i)) });
  });
  if (issues.length > 0 || !policy) throw new ConfigError(sorted(issues));
  return { file, policy, cases };
}

/** What building a file's cases needs: the file, where its paths start, and where problems go. */
interface FileScope {
  raw: RawFile;
  root: string;
  ctx: PolicyTestContext;
  casePath(i: number): Path;
  issue(path: Path, message: string): void;
  /** Input files read so far, by absolute path: the object, or why it cannot be used. */
  inputFiles: Map<string, Record<string, unknown> | string>;
}

/** One case with the file's defaults applied, or undefined after reporting why it cannot run. */
function buildCase(scope: FileScope, c: RawCase, i: number): Omit<PolicyTestCase, 'where'> | undefined {
  const { raw, ctx, issue } = scope;
  const here = scope.casePath(i);
  let ok = true;
  const problem = (path: Path, message: string) => {
    ok = false;
    issue(path, message);
  };
  /** The value and where it came from: the case, else the file's defaults; a case's null means none. */
  const pick = <K extends keyof Setup>(key: K): [NonNullable<Setup[K]>, Path] | undefined => {
    const own = c[key];
    if (own !== undefined) return own === null ? undefined : [own, [...here, key]];
    const fallback = raw.defaults?.[key];
    return fallback === undefined || fallback === null ? undefined : [fallback, ['defaults', key]];
  };

  // input: the case's own, else the defaults'; then the defaults' patch, then the case's
  if (c.input !== undefined && c['input-file'] !== undefined)
    problem([...here, 'input-file'], `${label(here)} has both input and input-file — give one`);
  const own = c.input !== undefined || c['input-file'] !== undefined;
  const source: Setup = own ? c : (raw.defaults ?? {});
  let input: Record<string, unknown> | undefined;
  if (source.input !== undefined) input = structuredClone(source.input);
  else if (source['input-file'] !== undefined) {
    const read = readInput(scope, source['input-file']);
    if (typeof read === 'string') problem([...(own ? here : ['defaults']), 'input-file'], read);
    else input = structuredClone(read);
  } else {
    problem(here, `${label(here)} ("${c.name}") needs input or input-file (here or in defaults)`);
  }
  for (const layer of [raw.defaults, c]) {
    if (!input) break;
    for (const [path, value] of Object.entries(layer?.patch ?? {})) setPath(input, path, value);
    for (const path of layer?.unset ?? []) unsetPath(input, path);
  }

  // time and window: a window needs a fixed time, or the case would pass on some days only
  const at = pick('at');
  const ms = at ? parseRfc3339(at[0]) : undefined;
  if (at && ms === undefined) {
    problem(
      at[1],
      `${label(at[1])} "${at[0]}" is not an RFC 3339 time with Z or an offset, e.g. 2026-11-24T10:00:00Z`,
    );
  }
  const window = pick('window');
  const calendar = window && Object.hasOwn(ctx.calendars, window[0]) ? ctx.calendars[window[0]] : undefined;
  if (window && !calendar) {
    problem(
      window[1],
      `unknown window "${window[0]}" — expected one of: ${Object.keys(ctx.calendars).join(', ')} (more from runway.yaml windows:, with -f)`,
    );
  } else if (window && !at) {
    problem(
      window[1],
      `${label(here)} ("${c.name}") names a window but no "at" — a window test needs a fixed time to be repeatable`,
    );
  }

  if (!ok || !input) return undefined;
  return {
    name: c.name,
    input,
    at: ms === undefined ? ctx.now : new Date(ms),
    ...(calendar ? { calendar } : {}),
    inFlight: pick('in-flight')?.[0] ?? 'check',
    expect: c.expect,
  };
}

/** An input file's object or why it cannot be used, read once per file. */
function readInput(scope: FileScope, name: string): Record<string, unknown> | string {
  const path = resolve(scope.root, name);
  let read = scope.inputFiles.get(path);
  if (read === undefined) {
    read = readInputFile(path, name);
    scope.inputFiles.set(path, read);
  }
  return read;
}

/** A path as people write it: `cases[2].at`. */
function label(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`)).join('');
}

/** A gate input file's object, or why it cannot be used. */
function readInputFile(path: string, name: string): Record<string, unknown> | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `cannot read the input file ${name}: ${code === 'ENOENT' ? 'no such file' : code}`;
  }
  let value: unknown;
  try {
    value = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    return `the input file ${name} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return `the input file ${name} must hold an object like the seed's gate-input.json`;
  return value as Record<string, unknown>;
}

function unsetPath(target: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let node: unknown = target;
  for (const part of parts.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string, unknown>)[part];
  }
  if (node !== null && typeof node === 'object') delete (node as Record<string, unknown>)[parts.at(-1)!];
}

/** Issues in file order, each once (a bad default is reported once, not for every case). */
function sorted(issues: ConfigIssue[]): ConfigIssue[] {
  const unique = new Map(issues.map((i) => [`${i.line}:${i.col}:${i.message}`, i]));
  return [...unique.values()].sort((a, b) => a.line - b.line || a.col - b.col);
}
