/* What `scan-secrets` does when its step runs; loaded on the step's first run (see scan-secrets.ts). */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readSecretReport, SecretReportError, secretsToSarif } from '../../gates/security/secret-report.ts';
import { secretRules } from '../../gates/security/secret-rules.ts';
import { isAllowed, scanDirectory, type SecretFinding } from '../../gates/security/secret-scan.ts';
import type { ActionContext, ActionResult } from '../action.ts';

const SHOWN = 50;

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const allow = (ctx.inputs['allow'] as string[] | undefined) ?? [];
  const max = (ctx.inputs['max'] as number | undefined) ?? 0;

  // scan, or read what a scanner found
  let all: SecretFinding[];
  if (ctx.inputs['report'] !== undefined) {
    const file = resolve(ctx.workingDirectory, String(ctx.inputs['report']));
    try {
      const report = readSecretReport(file);
      all = report.findings;
      ctx.log(
        `report ${file} (${report.format}): ${report.findings.length} finding(s)${
          report.suppressed ? `, ${report.suppressed} suppressed` : ''
        }${report.redacted ? `, ${report.redacted} redacted (fingerprint from rule:file:line)` : ''}`,
      );
    } catch (error) {
      if (error instanceof SecretReportError)
        return { ok: false, reason: `invalid secrets report: ${error.message}` };
      throw error;
    }
  } else {
    const dir = resolve(ctx.workingDirectory, String(ctx.inputs['path'] ?? '.'));
    if (!isDirectory(dir)) return { ok: false, reason: `path: ${dir} is not a directory` };
    const scan = scanDirectory(dir);
    all = scan.findings;
    ctx.log(
      `scanned ${scan.scanned} file(s) in ${dir} (${scan.source === 'git' ? "git's tracked and unignored files" : 'all files'}), ${secretRules().length} rules`,
    );
    for (const s of scan.skipped) ctx.log(`  skipped ${s.file} (${s.why})`);
  }

  // apply allow, then report place and fingerprint only
  const allowed = all.filter((f) => isAllowed(f, allow));
  const found = all.filter((f) => !isAllowed(f, allow));
  for (const f of found.slice(0, SHOWN))
    ctx.log(`  ${f.rule.padEnd(26)} ${place(f)}  fingerprint ${f.fingerprint}`);
  if (found.length > SHOWN) ctx.log(`  … and ${found.length - SHOWN} more`);
  if (allowed.length > 0) ctx.log(`${allowed.length} finding(s) accepted by allow`);

  const outputs: Record<string, string> = { found: String(found.length) };
  if (ctx.inputs['sarif'] !== undefined) {
    const out = resolve(ctx.workingDirectory, String(ctx.inputs['sarif']));
    try {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify(secretsToSarif(found, secretRules()), null, 2)}\n`);
    } catch (error) {
      return { ok: false, reason: `sarif: cannot write ${out}: ${(error as Error).message}` };
    }
    outputs['sarif'] = out;
  }
  const ok = found.length <= max;
  ctx.log(ok ? `✔ ${found.length} secret(s), limit ${max}` : `✖ ${found.length} secret(s), limit ${max}`);
  return {
    ok,
    ...(ok
      ? {}
      : {
          reason: `secrets found: ${found.length} exceeds the limit of ${max} (${found
            .slice(0, 5)
            .map((f) => `${f.rule} at ${place(f)}`)
            .join(', ')}${found.length > 5 ? ', …' : ''})`,
        }),
    outputs,
    evidence: { 'secrets.found': found.length },
  };
}

function place(f: SecretFinding): string {
  return `${f.file}${f.line > 0 ? `:${f.line}` : ''}${f.column > 0 ? `:${f.column}` : ''}`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
