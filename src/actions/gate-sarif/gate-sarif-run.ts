/* What `gate-sarif` does when its step runs; loaded on the step's first run (see gate-sarif.ts). */
import { globSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { readFindings } from '../../gates/security/python-reports.ts';
import { SarifError, SEVERITIES, type Finding, type Severity } from '../../gates/security/sarif.ts';
import {
  counted,
  counts,
  exceeded,
  LIMITED,
  limitsFor,
  type Counts,
  type Environment,
  type Limits,
} from '../../gates/security/thresholds.ts';
import type { ActionContext, ActionResult } from '../action.ts';

const TOP_FINDINGS = 10;

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const environment = (ctx.inputs['environment'] as Environment | undefined) ?? 'production';
  const newOnly = ctx.inputs['new-only'] === true;
  const limits = limitsFor(environment, ctx.inputs['limits'] as Limits | undefined);
  const patterns = [ctx.inputs['files'] as string | string[]].flat();

  // find the files; a pattern that matches nothing is a missing scan, not a clean one
  const files: string[] = [];
  for (const pattern of patterns) {
    const matched = globSync(pattern, { cwd: ctx.workingDirectory }).sort();
    if (matched.length === 0)
      return { ok: false, reason: `files: "${pattern}" matched no file in ${ctx.workingDirectory}` };
    for (const m of matched) {
      const path = resolve(ctx.workingDirectory, m);
      if (!files.includes(path)) files.push(path);
    }
  }

  // read every file; a file we cannot trust fails the gate
  const findings: Finding[] = [];
  try {
    for (const file of files) {
      const read = readFindings(file, {
        ...(ctx.inputs['secret-tools'] ? { secretTools: ctx.inputs['secret-tools'] as string[] } : {}),
        ...(ctx.inputs['tool-severity']
          ? { toolSeverity: ctx.inputs['tool-severity'] as Record<string, Severity> }
          : {}),
      });
      // one at a time: spreading 100,000+ findings into push() overflows the call stack
      for (const f of read) findings.push({ ...f, file: relative(ctx.workingDirectory, f.file) || f.file });
    }
  } catch (err) {
    if (err instanceof SarifError)
      return {
        ok: false,
        reason: `${err.kind === 'incomplete' ? 'incomplete scan' : 'invalid SARIF'}: ${err.message}`,
      };
    throw err;
  }

  // report counts per tool and the worst findings, never their text
  const total = counts(findings, newOnly);
  ctx.log(
    `${files.length} SARIF file(s), ${findings.length} result(s), environment ${environment}${newOnly ? ', new results only' : ''}`,
  );
  for (const line of countTable(findings, newOnly, total)) ctx.log(line);
  const top = topFindings(findings, newOnly);
  if (top.length > 0) ctx.log(`top findings:`);
  for (const f of top) ctx.log(`  ${label(f).padEnd(15)} ${f.ruleId}  ${f.location}  (${f.tool}, ${f.file})`);

  const violations = exceeded(total, limits);
  const limitText = LIMITED.filter((k) => limits[k] !== undefined)
    .map((k) => `${k} ≤ ${limits[k]}`)
    .join(', ');
  ctx.log(violations.length === 0 ? `✔ within limits (${limitText})` : `✖ ${violations.join('; ')}`);
  return {
    ok: violations.length === 0,
    ...(violations.length > 0
      ? { reason: `security gate failed for ${environment}: ${violations.join('; ')}` }
      : {}),
    outputs: {
      passed: String(violations.length === 0),
      critical: String(total.critical),
      high: String(total.high),
      secrets: String(total.secrets),
    },
    evidence: {
      'sarif.critical': total.critical,
      'sarif.high': total.high,
      'sarif.medium': total.medium,
      'sarif.low': total.low,
      'secrets.found': total.secrets,
    },
  };
}

const COLUMNS = ['critical', 'high', 'medium', 'low', 'secrets'] as const;

function countTable(findings: readonly Finding[], newOnly: boolean, total: Counts): string[] {
  const tools = [...new Set(findings.map((f) => f.tool))];
  const rows = tools.map((tool) => {
    const own = findings.filter((f) => f.tool === tool);
    const c = counts(own, newOnly);
    const suppressed = own.filter((f) => f.suppressed).length;
    const skipped = own.filter((f) => !f.suppressed && !counted(f, newOnly)).length;
    return [tool, ...COLUMNS.map((k) => String(c[k])), String(suppressed), String(skipped)];
  });
  rows.push(['total', ...COLUMNS.map((k) => String(total[k])), '', '']);
  const header = ['tool', ...COLUMNS, 'suppressed', 'not counted'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

function topFindings(findings: readonly Finding[], newOnly: boolean): Finding[] {
  const rank = (f: Finding) => (f.category === 'secret' ? -1 : SEVERITIES.indexOf(f.severity));
  return findings
    .filter((f) => counted(f, newOnly))
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, TOP_FINDINGS);
}

function label(f: Finding): string {
  return f.category === 'secret' ? `secret/${f.severity}` : f.severity;
}
