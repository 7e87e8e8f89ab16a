import { readReport, ReportTooLargeError } from '../report-file.ts';
import { parseSarif, SarifError, type Finding, type SarifOptions, type Severity } from './sarif.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bandit's issue_severity and CVSS base severities, mapped to ours. */
const NAMED_SEVERITY: Readonly<Record<string, Severity>> = Object.freeze({
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  UNDEFINED: 'none',
  NONE: 'none',
});

/** Severity of a Safety vulnerability without a CVSS severity (the free database gives none). */
const SAFETY_DEFAULT: Severity = 'high';

/**
 * Reads one security report: a SARIF log, a Bandit JSON report (`bandit -f json`) or a Safety JSON
 * report (`safety check --json`, Safety 2); every failure is a `SarifError` naming the file.
 */
export function readFindings(path: string, options: SarifOptions = {}): Finding[] {
  let text: string;
  try {
    text = readReport(path).toString('utf8');
  } catch (err) {
    if (err instanceof ReportTooLargeError) throw new SarifError(err.message);
    throw new SarifError(`${path}: cannot read (${(err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return parseSarif(text, path, options);
  }
  if (isObject(doc) && Array.isArray(doc['results']) && isObject(doc['metrics']))
    return parseBandit(doc, path);
  if (isObject(doc) && isObject(doc['report_meta'])) return parseSafety(doc, path, options);
  if (Array.isArray(doc) && doc.every(Array.isArray)) {
    throw new SarifError(
      `${path}: a Safety 1 report (a list of lists); write one with Safety 2: safety check --json`,
    );
  }
  return parseSarif(text, path, options);
}

/** Findings of a Bandit JSON report; a report listing errors (files it could not scan) is incomplete. */
export function parseBandit(doc: Json, file: string): Finding[] {
  const errors = Array.isArray(doc['errors']) ? doc['errors'] : [];
  if (errors.length > 0) {
    const first = isObject(errors[0])
      ? `${String(errors[0]['filename'])}: ${String(errors[0]['reason'])}`
      : '';
    throw new SarifError(`${file}: bandit could not scan ${errors.length} file(s) (${first})`, 'incomplete');
  }
  return (doc['results'] as unknown[]).map((r, i) => {
    if (!isObject(r) || typeof r['test_id'] !== 'string' || typeof r['issue_severity'] !== 'string') {
      throw new SarifError(`${file}: bandit result ${i} has no test_id or issue_severity`);
    }
    const severity = NAMED_SEVERITY[r['issue_severity'].toUpperCase()];
    if (!severity)
      throw new SarifError(`${file}: bandit result ${i} has severity ${JSON.stringify(r['issue_severity'])}`);
    return {
      file,
      tool: 'bandit',
      ruleId: r['test_id'],
      severity,
      category: 'vulnerability' as const,
      location: `${String(r['filename'] ?? '(no file)')}:${String(r['line_number'] ?? '?')}`,
      source: 'level' as const,
      suppressed: false,
    };
  });
}

/**
 * Findings of a Safety 2 JSON report: one per vulnerability, its CVSS v3 (else v2) base severity,
 * else `tool-severity.safety`, else high; an ignored vulnerability is suppressed.
 */
export function parseSafety(doc: Json, file: string, options: SarifOptions = {}): Finding[] {
  if (!Array.isArray(doc['vulnerabilities']))
    throw new SarifError(`${file}: safety report has no vulnerabilities list`);
  const configured = Object.entries(options.toolSeverity ?? {}).find(
    ([k]) => k.toLowerCase() === 'safety',
  )?.[1];
  return doc['vulnerabilities'].map((v, i) => {
    if (!isObject(v) || typeof v['package_name'] !== 'string') {
      throw new SarifError(`${file}: safety vulnerability ${i} has no package_name`);
    }
    const scored = cvssSeverity(v['severity']);
    return {
      file,
      tool: 'safety',
      ruleId: String(v['CVE'] ?? v['vulnerability_id'] ?? `safety-${i}`),
      severity: scored ?? configured ?? SAFETY_DEFAULT,
      category: 'vulnerability' as const,
      location: `${v['package_name']} ${String(v['analyzed_version'] ?? '')}`.trim(),
      source: scored
        ? ('security-severity' as const)
        : configured
          ? ('tool-severity' as const)
          : ('default' as const),
      suppressed: v['ignored'] === true,
    };
  });
}

function cvssSeverity(severity: unknown): Severity | undefined {
  if (!isObject(severity)) return undefined;
  for (const version of ['cvssv3', 'cvssv2']) {
    const cvss = severity[version];
    const named =
      isObject(cvss) && typeof cvss['base_severity'] === 'string' ? cvss['base_severity'] : undefined;
    if (named && NAMED_SEVERITY[named.toUpperCase()]) return NAMED_SEVERITY[named.toUpperCase()];
  }
  return undefined;
}
