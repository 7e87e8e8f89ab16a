import { jsonErrorReason } from '../../engine/json-error.ts';
import { readReport, ReportTooLargeError } from '../report-file.ts';

/** Normalised severities, worst first; `none` is informational and never counted. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** SARIF result levels and the severity each maps to when no CVSS score is given. */
const LEVEL_SEVERITY: Readonly<Record<string, Severity>> = Object.freeze({
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'none',
});

/** Tools whose findings are secrets rather than vulnerabilities (matched on the driver name, case-insensitively). */
export const DEFAULT_SECRET_TOOLS: readonly string[] = Object.freeze(['gitleaks']);

/** One counted-or-not result of a SARIF log. It never carries snippet or message text. */
export interface Finding {
  file: string;
  tool: string;
  ruleId: string;
  severity: Severity;
  category: 'vulnerability' | 'secret';
  /** `artifact-uri:line`, or a logical location, or `(no location)`. */
  location: string;
  /** How the severity was decided. */
  source: 'security-severity' | 'level' | 'tool-severity' | 'default';
  suppressed: boolean;
  baselineState?: 'new' | 'unchanged' | 'updated' | 'absent';
}

/** How to read SARIF logs. */
export interface SarifOptions {
  /** Driver names whose results are secrets (default: gitleaks). */
  secretTools?: readonly string[];
  /**
   * Severity for a tool's results that carry neither a CVSS score nor a level (keys: driver names, any
   * case). Unset, secret tools get `critical` and other tools SARIF's default level, warning (`medium`).
   */
  toolSeverity?: Readonly<Record<string, Severity>>;
}

/** A SARIF file that cannot be trusted as a scan result. */
export class SarifError extends Error {
  override name = 'SarifError';
  /** `invalid`: not a readable SARIF 2.1.0 log; `incomplete`: a valid log whose tool says the scan failed. */
  readonly kind: 'invalid' | 'incomplete';
  constructor(message: string, kind: 'invalid' | 'incomplete' = 'invalid') {
    super(message);
    this.kind = kind;
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The GitHub code-scanning mapping of a `security-severity` CVSS score: ≥9 critical, ≥7 high, ≥4 medium,
 * >0 low, 0 none; `undefined` when the value is not a score from 0 to 10.
 */
export function severityFromScore(value: unknown): Severity | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (typeof value === 'string' && value.trim() === '') return undefined;
  const score = Number(value);
  if (!Number.isFinite(score) || score < 0 || score > 10) return undefined;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}

/**
 * Whether SARIF `suppressions` hide a result: only when at least one is accepted (or has no `status`,
 * which SARIF 2.1.0 reads as accepted) and none is `underReview` or `rejected`, as the SARIF SDK does.
 */
export function isSuppressed(suppressions: unknown): boolean {
  if (!Array.isArray(suppressions) || suppressions.length === 0) return false;
  const statuses = suppressions.map((s) => (isObject(s) ? s['status'] : undefined));
  if (statuses.some((s) => s === 'underReview' || s === 'rejected')) return false;
  return statuses.some((s) => s === undefined || s === 'accepted');
}

/** Parses SARIF 2.1.0 text (a leading BOM is fine) into findings; throws a `SarifError` naming `file`. */
export function parseSarif(text: string, file: string, options: SarifOptions = {}): Finding[] {
  const fail = (what: string): never => {
    throw new SarifError(`${file}: ${what}`);
  };
  let log: unknown;
  try {
    log = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return fail(`not valid JSON, truncated or corrupt (${jsonErrorReason(err)})`);
  }
  if (!isObject(log)) return fail('not a SARIF log, expected a JSON object');
  if (log['version'] !== '2.1.0')
    return fail(`unsupported SARIF version ${JSON.stringify(log['version'])}, expected "2.1.0"`);
  const runs = log['runs'];
  if (!Array.isArray(runs)) return fail('"runs" is missing or not an array');

  const secretTools = new Set((options.secretTools ?? DEFAULT_SECRET_TOOLS).map((t) => t.toLowerCase()));
  const toolSeverity = new Map(
    Object.entries(options.toolSeverity ?? {}).map(([tool, severity]) => [tool.toLowerCase(), severity]),
  );
  const findings: Finding[] = [];
  runs.forEach((run: unknown, r) => {
    const driver = isObject(run) && isObject(run['tool']) ? run['tool']['driver'] : undefined;
    if (!isObject(driver) || typeof driver['name'] !== 'string')
      return fail(`runs[${r}].tool.driver.name is missing`);
    const tool = driver['name'];
    const failure = executionFailure(run as Json);
    if (failure)
      throw new SarifError(`${file}: runs[${r}] (${tool}) did not complete: ${failure}`, 'incomplete');
    const rules = Array.isArray(driver['rules']) ? driver['rules'] : [];
    const results = (run as Json)['results'];
    if (results === undefined || results === null) return;
    if (!Array.isArray(results)) return fail(`runs[${r}].results is not an array`);
    const category = secretTools.has(tool.toLowerCase()) ? 'secret' : 'vulnerability';
    results.forEach((result: unknown, i) => {
      if (!isObject(result)) return fail(`runs[${r}].results[${i}] is not an object`);
      const rule = ruleOf(result, rules);
      const ruleId = stringOr(result['ruleId'], stringOr(rule?.['id'], '(no rule)'));
      const fallback =
        toolSeverity.get(tool.toLowerCase()) ?? (category === 'secret' ? 'critical' : undefined);
      const { severity, source } = severityOf(result, rule, fallback);
      const baseline = result['baselineState'];
      findings.push({
        file,
        tool,
        ruleId,
        severity,
        category,
        location: locationOf(result),
        source,
        suppressed: isSuppressed(result['suppressions']),
        ...(baseline === 'new' || baseline === 'unchanged' || baseline === 'updated' || baseline === 'absent'
          ? { baselineState: baseline }
          : {}),
      });
    });
  });
  return findings;
}

/** Reads and parses one SARIF file; every failure is a `SarifError` naming the file. */
export function readSarif(path: string, options: SarifOptions = {}): Finding[] {
  let text: string;
  try {
    text = readReport(path).toString('utf8');
  } catch (err) {
    if (err instanceof ReportTooLargeError) throw new SarifError(err.message);
    throw new SarifError(`${path}: cannot read (${(err as Error).message})`);
  }
  return parseSarif(text, path, options);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function ruleOf(result: Json, rules: unknown[]): Json | undefined {
  const ref = isObject(result['rule']) ? result['rule'] : {};
  const index = result['ruleIndex'] ?? ref['index'];
  if (typeof index === 'number' && isObject(rules[index])) return rules[index];
  const id = result['ruleId'] ?? ref['id'];
  if (typeof id !== 'string') return undefined;
  const byId = (wanted: string) => rules.find((x): x is Json => isObject(x) && x['id'] === wanted);
  return byId(id) ?? byId(id.split('/')[0] ?? id);
}

function severityOf(
  result: Json,
  rule: Json | undefined,
  toolDefault: Severity | undefined,
): Pick<Finding, 'severity' | 'source'> {
  const kind = result['kind'];
  if (kind !== undefined && kind !== 'fail') return { severity: 'none', source: 'level' };
  const props = (o: Json | undefined) => (o && isObject(o['properties']) ? o['properties'] : {});
  const scored =
    severityFromScore(props(result)['security-severity']) ??
    severityFromScore(props(rule)['security-severity']);
  if (scored) return { severity: scored, source: 'security-severity' };
  const config = rule && isObject(rule['defaultConfiguration']) ? rule['defaultConfiguration'] : {};
  const level = result['level'] ?? config['level'];
  if (typeof level === 'string' && LEVEL_SEVERITY[level])
    return { severity: LEVEL_SEVERITY[level], source: 'level' };
  if (toolDefault) return { severity: toolDefault, source: 'tool-severity' };
  return { severity: 'medium', source: 'default' };
}

/**
 * Why a run's invocations say the scan failed (`executionSuccessful: false` or an error-level
 * notification), naming each notification by descriptor id and location but never its message text.
 */
function executionFailure(run: Json): string | undefined {
  const invocations = Array.isArray(run['invocations']) ? run['invocations'].filter(isObject) : [];
  const unsuccessful = invocations.some((inv) => inv['executionSuccessful'] === false);
  const errors = invocations
    .flatMap((inv) => [inv['toolExecutionNotifications'], inv['toolConfigurationNotifications']])
    .flatMap((list) => (Array.isArray(list) ? list.filter(isObject) : []))
    .filter((n) => n['level'] === 'error');
  if (!unsuccessful && errors.length === 0) return undefined;
  const named = errors.slice(0, 3).map((n) => {
    const descriptor = isObject(n['descriptor']) ? n['descriptor'] : {};
    const where = locationOf(n);
    return `${stringOr(descriptor['id'], '(no id)')}${where === '(no location)' ? '' : ` at ${where}`}`;
  });
  const more = errors.length > named.length ? `, and ${errors.length - named.length} more` : '';
  return [
    ...(unsuccessful ? ['executionSuccessful is false'] : []),
    ...(errors.length > 0 ? [`${errors.length} error notification(s): ${named.join(', ')}${more}`] : []),
  ].join('; ');
}

function locationOf(result: Json): string {
  const first: unknown = Array.isArray(result['locations']) ? result['locations'][0] : undefined;
  if (!isObject(first)) return '(no location)';
  const physical = isObject(first['physicalLocation']) ? first['physicalLocation'] : {};
  const artifact = isObject(physical['artifactLocation']) ? physical['artifactLocation'] : {};
  const region = isObject(physical['region']) ? physical['region'] : {};
  if (typeof artifact['uri'] === 'string') {
    const line = typeof region['startLine'] === 'number' ? `:${region['startLine']}` : '';
    return `${artifact['uri']}${line}`;
  }
  const logical: unknown = Array.isArray(first['logicalLocations'])
    ? first['logicalLocations'][0]
    : undefined;
  if (isObject(logical))
    return stringOr(logical['fullyQualifiedName'], stringOr(logical['name'], '(no location)'));
  return '(no location)';
}
