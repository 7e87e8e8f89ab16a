/* What `gate-coverage` does when its step runs; loaded on the step's first run (see gate-coverage.ts). */
import { decodeXml } from '../../gates/quality/xml.ts';
import { readReport } from '../../gates/report-file.ts';
import { resolve } from 'node:path';
import {
  checkCoverage,
  COVERAGE_FORMATS,
  formatPct,
  parseCoverage,
  type CoverageFormat,
  type CoverageReport,
  type PathMinimum,
} from '../../gates/quality/coverage.ts';
import type { ActionContext, ActionResult, EvidenceValue } from '../action.ts';

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const formats = COVERAGE_FORMATS.filter((f) => ctx.inputs[f] !== undefined);
  const format: CoverageFormat | undefined = formats[0];
  if (format === undefined || formats.length > 1)
    return {
      ok: false,
      reason: `give exactly one of ${COVERAGE_FORMATS.join(', ')}; got ${formats.length}`,
    };
  const file = resolve(ctx.workingDirectory, String(ctx.inputs[format]));

  // read and check the report
  let report: CoverageReport;
  let check: ReturnType<typeof checkCoverage>;
  try {
    const bytes = readReport(file);
    report = parseCoverage(
      format,
      format === 'cobertura' ? decodeXml(bytes, file) : bytes.toString('utf8'),
      file,
    );
    check = checkCoverage(report, {
      ...(ctx.inputs['minimum'] !== undefined ? { minimum: ctx.inputs['minimum'] as number } : {}),
      ...(ctx.run.pipeline.service?.tier !== undefined ? { tier: ctx.run.pipeline.service.tier } : {}),
      ...(ctx.inputs['paths'] ? { paths: ctx.inputs['paths'] as PathMinimum[] } : {}),
    });
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const { total } = report;
  ctx.log(
    `${format} ${file}: lines ${formatPct(total.lines)}%${
      total.branches !== undefined ? `, branches ${formatPct(total.branches)}%` : ''
    }${total.functions !== undefined ? `, functions ${formatPct(total.functions)}%` : ''}`,
  );
  for (const line of check.table.split('\n')) ctx.log(line);

  // record and decide
  const evidence: Record<string, EvidenceValue> = { 'coverage.lines': round(total.lines) };
  if (total.branches !== undefined) evidence['coverage.branches'] = round(total.branches);
  if (total.functions !== undefined) evidence['coverage.functions'] = round(total.functions);
  const result: ActionResult = { ok: check.ok, evidence };
  if (!check.ok)
    result.reason = `coverage below minimum: ${check.shortfalls
      .map((s) =>
        s.actual === undefined
          ? `${s.scope} matched no files`
          : `${s.scope} ${formatPct(s.actual)}% < ${formatPct(s.minimum)}%`,
      )
      .join('; ')}\n${check.table}`;
  return result;
}

function round(value: number): number {
  return Math.floor(value * 100 + 1e-9) / 100;
}
