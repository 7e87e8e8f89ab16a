import { matchesGlob } from 'node:path';
import { children, numberAttr, parseXml, type XmlNode } from './xml.ts';
import { jsonErrorReason } from '../../engine/json-error.ts';

/** Line coverage of one source file; `covered`/`total` are line counts when the format gives them. */
export interface FileCoverage {
  path: string;
  lines: number;
  covered?: number;
  total?: number;
}

/** Percentages (0–100) for the whole report; branches and functions only when the report measured them. */
export interface CoverageReport {
  total: { lines: number; branches?: number; functions?: number };
  files: FileCoverage[];
}

export const COVERAGE_FORMATS = ['lcov', 'cobertura', 'istanbul'] as const;
export type CoverageFormat = (typeof COVERAGE_FORMATS)[number];

/** The seed's minimum line coverage by service tier. */
export const TIER_MINIMUMS: Readonly<Record<number, number>> = Object.freeze({ 1: 80, 2: 70, 3: 60 });

/** Parses a coverage report in `format`; `file` names it in errors. */
export function parseCoverage(format: CoverageFormat, text: string, file: string): CoverageReport {
  if (format === 'lcov') return parseLcov(text, file);
  if (format === 'cobertura') return parseCobertura(text, file);
  return parseIstanbulSummary(text, file);
}

/**
 * Parses an LCOV tracefile (`SF`, `LF`/`LH`, `BRF`/`BRH`, `FNF`/`FNH`, `DA` when `LF` is missing).
 *
 * @example parseLcov('SF:a.ts\nLF:4\nLH:3\nend_of_record\n', 'lcov.info').total.lines // 75
 */
export function parseLcov(text: string, file: string): CoverageReport {
  interface LcovRecord {
    path: string;
    line: number;
    counts: Map<string, number>;
    da: Map<string, boolean>;
  }
  const records: LcovRecord[] = [];
  let open: LcovRecord | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === 'end_of_record') {
      if (!open) throw new Error(`${file}:${index + 1}: end_of_record without a preceding SF`);
      records.push(open);
      open = undefined;
      continue;
    }
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (key === 'SF') {
      if (open) throw new Error(`${file}:${index + 1}: SF for ${value} before end_of_record of ${open.path}`);
      open = { path: value, line: index + 1, counts: new Map(), da: new Map() };
    } else if (['LF', 'LH', 'BRF', 'BRH', 'FNF', 'FNH'].includes(key)) {
      if (!open) throw new Error(`${file}:${index + 1}: ${key} outside a record`);
      if (!/^\d+$/.test(value))
        throw new Error(`${file}:${index + 1}: ${key} is "${value}", expected a count`);
      open.counts.set(key, Number(value));
    } else if (key === 'DA' && open) {
      const da = /^(\d+),(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?:,\S*)?$/.exec(value);
      if (!da) {
        throw new Error(
          `${file}:${index + 1}: DA is "${value.slice(0, 60)}", expected line,count (two numbers, then an optional checksum)`,
        );
      }
      const [, lineNo = '', hits = '0'] = da;
      open.da.set(lineNo, Number(hits) > 0 || open.da.get(lineNo) === true);
    } else if (colon < 0 && !/^[A-Z]+$/.test(line)) {
      throw new Error(`${file}:${index + 1}: not an lcov line: "${line.slice(0, 60)}"`);
    }
  }
  if (open)
    throw new Error(
      `${file}: truncated: the record for ${open.path} (line ${open.line}) has no end_of_record`,
    );
  if (records.length === 0) throw new Error(`${file}: no lcov records (SF … end_of_record) found`);
  const sums = { LF: 0, LH: 0, BRF: 0, BRH: 0, FNF: 0, FNH: 0 };
  const files: FileCoverage[] = [];
  for (const r of mergeRecords(records)) {
    const total = r.counts.get('LF') ?? r.da.size;
    const covered = r.counts.get('LH') ?? [...r.da.values()].filter(Boolean).length;
    if (covered > total) throw new Error(`${file}: ${r.path} has LH ${covered} greater than LF ${total}`);
    sums.LF += total;
    sums.LH += covered;
    for (const key of ['BRF', 'BRH', 'FNF', 'FNH'] as const) sums[key] += r.counts.get(key) ?? 0;
    files.push({ path: r.path, lines: percent(covered, total), covered, total });
  }
  return {
    total: {
      lines: percent(sums.LH, sums.LF),
      ...(sums.BRF > 0 ? { branches: percent(sums.BRH, sums.BRF) } : {}),
      ...(sums.FNF > 0 ? { functions: percent(sums.FNH, sums.FNF) } : {}),
    },
    files,
  };
}

/**
 * One record per source file: tools (several test runs, `lcov -a`) can name the same file twice. Line
 * hits merge by line number (a line is covered when any record covered it); without `DA` lines the
 * best-covered record stands. Branch and function counts take the larger of the records.
 */
function mergeRecords<R extends { path: string; counts: Map<string, number>; da: Map<string, boolean> }>(
  records: readonly R[],
): R[] {
  const byPath = new Map<string, R>();
  for (const r of records) {
    const seen = byPath.get(r.path);
    if (!seen) {
      byPath.set(r.path, { ...r, counts: new Map(r.counts), da: new Map(r.da) });
      continue;
    }
    if (seen.da.size > 0 && r.da.size > 0) {
      for (const [line, hit] of r.da) seen.da.set(line, hit || seen.da.get(line) === true);
      seen.counts.delete('LF');
      seen.counts.delete('LH');
    } else if ((r.counts.get('LH') ?? 0) > (seen.counts.get('LH') ?? 0)) {
      for (const key of ['LF', 'LH'] as const) {
        const v = r.counts.get(key);
        if (v !== undefined) seen.counts.set(key, v);
      }
    }
    for (const key of ['BRF', 'BRH', 'FNF', 'FNH'] as const) {
      const v = r.counts.get(key);
      if (v !== undefined) seen.counts.set(key, Math.max(v, seen.counts.get(key) ?? 0));
    }
  }
  return [...byPath.values()];
}

/**
 * Parses Cobertura XML: the root's `lines-covered`/`lines-valid` (or `line-rate`) for the total,
 * each class's `<line>` elements added up by `filename` for the files (counting elements, as the
 * root does: scoverage writes one per statement, so a line number can repeat).
 */
export function parseCobertura(text: string, file: string): CoverageReport {
  const doc = parseXml(text, file, ['package', 'class', 'line']);
  const root = children(doc, 'coverage')[0];
  if (!root) throw new Error(`${file}: not a Cobertura report, expected a <coverage> root`);
  let lines: number | undefined;
  let branches: number | undefined;
  try {
    lines = rate(root, 'lines-covered', 'lines-valid', 'line-rate');
    const branchesValid = numberAttr(root, 'branches-valid');
    branches =
      branchesValid === 0 ? undefined : rate(root, 'branches-covered', 'branches-valid', 'branch-rate');
  } catch (err) {
    throw new Error(`${file}: <coverage> ${(err as Error).message}`, { cause: err });
  }
  if (lines === undefined) throw new Error(`${file}: <coverage> has neither lines-valid nor line-rate`);
  const byFile = new Map<string, { covered: number; total: number }>();
  for (const pkg of children(children(root, 'packages')[0], 'package')) {
    for (const cls of children(children(pkg, 'classes')[0], 'class')) {
      const path = typeof cls['filename'] === 'string' ? cls['filename'] : String(cls['name'] ?? '');
      const counts = byFile.get(path) ?? { covered: 0, total: 0 };
      for (const line of children(children(cls, 'lines')[0], 'line')) {
        counts.total++;
        if ((numberAttr(line, 'hits') ?? 0) > 0) counts.covered++;
      }
      byFile.set(path, counts);
    }
  }
  const files = [...byFile].map(([path, { covered, total }]) => ({
    path,
    lines: percent(covered, total),
    covered,
    total,
  }));
  return { total: { lines, ...(branches !== undefined ? { branches } : {}) }, files };
}

/** Parses Istanbul's `coverage-summary.json` (`total.lines.pct` and one entry per file). */
export function parseIstanbulSummary(text: string, file: string): CoverageReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: malformed JSON: ${jsonErrorReason(error)}`, { cause: error });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`${file}: not an Istanbul coverage summary, expected an object`);
  const entries = doc as Record<string, unknown>;
  const total = metrics(entries['total']);
  if (total.lines === undefined)
    throw new Error(`${file}: not an Istanbul coverage summary, expected total.lines.pct to be a number`);
  const files: FileCoverage[] = [];
  for (const [path, entry] of Object.entries(entries)) {
    const m = metrics(entry);
    for (const key of ['lines', 'branches', 'functions'] as const) {
      const value = m[key];
      if (value !== undefined && Number.isNaN(value))
        throw new Error(`${file}: ${path}.${key}.covered is not between 0 and ${path}.${key}.total`);
      if (value !== undefined && (value < 0 || value > 100))
        throw new Error(`${file}: ${path}.${key}.pct is ${value}, not a percentage`);
    }
    if (path === 'total') continue;
    if (m.lines === undefined) throw new Error(`${file}: ${path} has no numeric lines.pct`);
    files.push({ path, lines: m.lines, ...m.counts });
  }
  return {
    total: {
      lines: total.lines,
      ...(total.branches !== undefined ? { branches: total.branches } : {}),
      ...(total.functions !== undefined ? { functions: total.functions } : {}),
    },
    files,
  };
}

/** A floor for the files whose path starts with (or, after a `/`, contains) `path`, or matches it as a glob. */
export interface PathMinimum {
  path: string;
  minimum: number;
}

/** A scope (`total` or a path floor) that fell short; `actual` is undefined when no file matched. */
export interface Shortfall {
  scope: string;
  actual: number | undefined;
  minimum: number;
  files: number;
}

export interface CoverageCheck {
  ok: boolean;
  minimum: number;
  shortfalls: Shortfall[];
  /** Every checked scope, one row each, for the step log. */
  table: string;
}

/**
 * Checks line coverage against `minimum` (or the tier's minimum) and each path floor; a floor that
 * matches no file is a shortfall too, so a typo never passes.
 *
 * @example checkCoverage(report, { tier: 1, paths: [{ path: 'app/core/', minimum: 98 }] })
 */
export function checkCoverage(
  report: CoverageReport,
  options: { minimum?: number; tier?: number; paths?: readonly PathMinimum[] },
): CoverageCheck {
  const minimum = options.minimum ?? (options.tier === undefined ? undefined : TIER_MINIMUMS[options.tier]);
  if (minimum === undefined)
    throw new Error(
      `no coverage minimum: set minimum or a service tier (${Object.entries(TIER_MINIMUMS)
        .map(([t, m]) => `tier ${t}: ${m}%`)
        .join(', ')})${options.tier === undefined ? '' : `; got tier ${options.tier}`}`,
    );
  const rows: Shortfall[] = [
    { scope: 'total', actual: report.total.lines, minimum, files: report.files.length },
  ];
  for (const floor of options.paths ?? []) {
    const matched = report.files.filter((f) => pathMatches(f.path, floor.path));
    rows.push({
      scope: floor.path,
      actual: aggregate(matched),
      minimum: floor.minimum,
      files: matched.length,
    });
  }
  const short = (r: Shortfall): boolean => r.actual === undefined || r.actual < r.minimum;
  return { ok: !rows.some(short), minimum, shortfalls: rows.filter(short), table: formatTable(rows, short) };
}

/** Whether a report path falls under `pattern` (a glob when it has `*?[{`, otherwise a path prefix). */
export function pathMatches(path: string, pattern: string): boolean {
  const normalized = path.replace(/\\/g, '/');
  if (/[*?[{]/.test(pattern))
    return matchesGlob(normalized, pattern) || matchesGlob(normalized, `**/${pattern}`);
  return normalized.startsWith(pattern) || normalized.includes(`/${pattern}`);
}

function aggregate(files: readonly FileCoverage[]): number | undefined {
  if (files.length === 0) return undefined;
  if (files.every((f) => f.total !== undefined && f.covered !== undefined)) {
    const total = files.reduce((n, f) => n + (f.total ?? 0), 0);
    return percent(
      files.reduce((n, f) => n + (f.covered ?? 0), 0),
      total,
    );
  }
  return files.reduce((n, f) => n + f.lines, 0) / files.length;
}

function formatTable(rows: readonly Shortfall[], short: (r: Shortfall) => boolean): string {
  const cells = [
    ['scope', 'files', 'lines', 'minimum', ''],
    ...rows.map((r) => [
      r.scope,
      String(r.files),
      r.actual === undefined ? 'no files' : `${formatPct(r.actual)}%`,
      `${formatPct(r.minimum)}%`,
      short(r) ? '✖ short' : '✔',
    ]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A percentage for display: at most two decimals, truncated so 79.999 never reads as 80. */
export function formatPct(value: number): string {
  return String(Math.floor(value * 100 + 1e-9) / 100);
}

function percent(covered: number, total: number): number {
  return total === 0 ? 100 : (covered / total) * 100;
}

function rate(node: XmlNode, coveredAttr: string, validAttr: string, rateAttr: string): number | undefined {
  const covered = numberAttr(node, coveredAttr);
  const valid = numberAttr(node, validAttr);
  if (covered !== undefined && valid !== undefined && valid > 0) {
    if (covered < 0 || covered > valid) {
      throw new Error(`${coveredAttr}="${covered}" is not between 0 and ${validAttr}="${valid}"`);
    }
    return percent(covered, valid);
  }
  const r = numberAttr(node, rateAttr);
  if (r !== undefined && !(r >= 0 && r <= 1)) {
    throw new Error(`${rateAttr}="${r}" is not a rate between 0 and 1`);
  }
  return r === undefined ? undefined : r * 100;
}

function metrics(entry: unknown): {
  lines?: number;
  branches?: number;
  functions?: number;
  counts: { covered?: number; total?: number };
} {
  // covered/total when the summary gives them (the pct beside them is derived, and can be edited)
  const pct = (key: string): number | undefined => {
    const m = (entry as Record<string, { pct?: unknown; total?: unknown; covered?: unknown }> | undefined)?.[
      key
    ];
    if (typeof m?.covered === 'number' && typeof m.total === 'number' && m.total > 0) {
      return m.covered >= 0 && m.covered <= m.total ? percent(m.covered, m.total) : Number.NaN;
    }
    return typeof m?.pct === 'number' && (typeof m.total !== 'number' || m.total > 0 || key === 'lines')
      ? m.pct
      : undefined;
  };
  const lines = (entry as Record<string, { covered?: unknown; total?: unknown }> | undefined)?.['lines'];
  const counts =
    typeof lines?.covered === 'number' && typeof lines.total === 'number'
      ? { covered: lines.covered, total: lines.total }
      : {};
  const out: ReturnType<typeof metrics> = { counts };
  for (const key of ['lines', 'branches', 'functions'] as const) {
    const value = pct(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
