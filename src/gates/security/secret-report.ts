import { createHash } from 'node:crypto';
import type { Log } from 'sarif';
import { readFileSync } from 'node:fs';
import { isSuppressed } from './sarif.ts';
import { fingerprintOf, type SecretFinding } from './secret-scan.ts';

/** A secrets report that cannot be trusted; the message names the file. */
export class SecretReportError extends Error {
  override name = 'SecretReportError';
}

/** The findings of a secret scanner's report, and how many it marked suppressed. */
export interface SecretReport {
  format: 'gitleaks-json' | 'sarif';
  findings: SecretFinding[];
  suppressed: number;
  /** Findings whose fingerprint comes from their location, because the report redacts the secret. */
  redacted: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const REDACTED = /^(?:REDACTED|\*+)?$/;

/**
 * Reads a Gitleaks JSON report (`--report-format json`) or any SARIF 2.1.0 log of a secret scanner
 * (Gitleaks `--report-format sarif`). Every unsuppressed result is a secret. Throws `SecretReportError`.
 */
export function readSecretReport(file: string): SecretReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecretReportError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const fail = (what: string): never => {
    throw new SecretReportError(`${file}: ${what}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return fail(`not valid JSON, truncated or corrupt (${(error as Error).message})`);
  }
  if (Array.isArray(doc)) return gitleaksJson(doc, fail);
  if (isObject(doc) && 'runs' in doc) return sarif(doc, fail);
  return fail('neither a Gitleaks JSON report (an array) nor a SARIF log');
}

function gitleaksJson(doc: unknown[], fail: (what: string) => never): SecretReport {
  let redacted = 0;
  const findings = doc.map((item, i): SecretFinding => {
    if (!isObject(item)) return fail(`[${i}] is not an object`);
    const rule = item['RuleID'];
    const file = item['File'];
    const line = item['StartLine'];
    if (typeof rule !== 'string' || rule === '') fail(`[${i}].RuleID is missing`);
    if (typeof file !== 'string') fail(`[${i}].File is missing`);
    if (typeof line !== 'number') fail(`[${i}].StartLine is missing`);
    const secret = item['Secret'];
    const column = typeof item['StartColumn'] === 'number' ? item['StartColumn'] : 0;
    const known = typeof secret === 'string' && !REDACTED.test(secret);
    if (!known) redacted++;
    return {
      rule: rule as string,
      file: file as string,
      line: line as number,
      column,
      fingerprint: known
        ? fingerprintOf(secret)
        : locationFingerprint(rule as string, file as string, line as number),
    };
  });
  return { format: 'gitleaks-json', findings, suppressed: 0, redacted };
}

function sarif(doc: Json, fail: (what: string) => never): SecretReport {
  if (doc['version'] !== '2.1.0')
    fail(`unsupported SARIF version ${JSON.stringify(doc['version'])}, expected "2.1.0"`);
  const runs = doc['runs'];
  if (!Array.isArray(runs)) return fail('"runs" is not an array');
  const findings: SecretFinding[] = [];
  let suppressed = 0;
  let redacted = 0;
  runs.forEach((run: unknown, r) => {
    if (!isObject(run)) return fail(`runs[${r}] is not an object`);
    const results = run['results'];
    if (results === undefined || results === null) return;
    if (!Array.isArray(results)) return fail(`runs[${r}].results is not an array`);
    results.forEach((result: unknown, i) => {
      if (!isObject(result)) return fail(`runs[${r}].results[${i}] is not an object`);
      if (isSuppressed(result['suppressions'])) {
        suppressed++;
        return;
      }
      const rule = typeof result['ruleId'] === 'string' ? result['ruleId'] : '(no rule)';
      const location = Array.isArray(result['locations']) ? result['locations'][0] : undefined;
      const physical =
        isObject(location) && isObject(location['physicalLocation']) ? location['physicalLocation'] : {};
      const artifact = isObject(physical['artifactLocation']) ? physical['artifactLocation'] : {};
      const region = isObject(physical['region']) ? physical['region'] : {};
      const file = typeof artifact['uri'] === 'string' ? artifact['uri'] : '(no location)';
      const line = typeof region['startLine'] === 'number' ? region['startLine'] : 0;
      const column = typeof region['startColumn'] === 'number' ? region['startColumn'] : 0;
      const snippet = isObject(region['snippet']) ? region['snippet']['text'] : undefined;
      const known = typeof snippet === 'string' && !REDACTED.test(snippet);
      if (!known) redacted++;
      findings.push({
        rule,
        file,
        line,
        column,
        fingerprint: known ? fingerprintOf(snippet) : locationFingerprint(rule, file, line),
      });
    });
  });
  return { format: 'sarif', findings, suppressed, redacted };
}

function locationFingerprint(rule: string, file: string, line: number): string {
  return createHash('sha256').update(`${rule}:${file}:${line}`).digest('hex').slice(0, 12);
}

/** A SARIF 2.1.0 log of findings, without the secrets, for tools that read SARIF (and `gate/sarif`). */
export function secretsToSarif(
  findings: readonly SecretFinding[],
  rules: readonly { id: string; description: string }[],
): Log {
  const ids = [...new Set(findings.map((f) => f.rule))].sort();
  const described = new Map(rules.map((r) => [r.id, r.description]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'runway',
            informationUri: 'https://runway.dev/docs/supply-chain',
            rules: ids.map((id) => ({ id, shortDescription: { text: described.get(id) ?? id } })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          level: 'error',
          message: { text: `${described.get(f.rule) ?? f.rule} (fingerprint ${f.fingerprint})` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file },
                ...(f.line > 0
                  ? { region: { startLine: f.line, ...(f.column > 0 ? { startColumn: f.column } : {}) } }
                  : {}),
              },
            },
          ],
          partialFingerprints: { 'secretSha256/v1': f.fingerprint },
        })),
      },
    ],
  };
}
