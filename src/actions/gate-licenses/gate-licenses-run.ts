/* What `gate-licenses` does when its step runs; loaded on the step's first run (see gate-licenses.ts). */
import { resolve } from 'node:path';
import {
  denyPatterns,
  judgeLicenses,
  matchesWildcard,
  type LicenseDecision,
} from '../../gates/supply-chain/license-policy.ts';
import {
  componentLabel,
  readSbom,
  SbomError,
  type SbomComponent,
} from '../../gates/supply-chain/sbom-read.ts';
import type { UNKNOWN_MODES } from './gate-licenses.ts';
import type { ActionContext, ActionResult } from '../action.ts';

const SHOWN = 20;

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const file = resolve(ctx.workingDirectory, String(ctx.inputs['sbom']));
  const deny = denyPatterns(ctx.inputs['deny'] as string[] | undefined);
  const allow = ctx.inputs['allow'] as string[] | undefined;
  const unknownMode = (ctx.inputs['unknown'] as (typeof UNKNOWN_MODES)[number] | undefined) ?? 'fail';
  const ignore = (ctx.inputs['ignore'] as string[] | undefined) ?? [];

  let components: SbomComponent[];
  try {
    const read = readSbom(file);
    components = read.components;
    ctx.log(`${read.format} ${read.specVersion} ${file}: ${components.length} component(s)`);
  } catch (error) {
    if (error instanceof SbomError) return { ok: false, reason: `invalid SBOM: ${error.message}` };
    throw error;
  }
  ctx.log(`deny: ${deny.join(', ') || '(none)'}`);
  if (allow) ctx.log(`allow: ${allow.join(', ')}`);

  // judge each component
  const judged: { component: SbomComponent; decision: LicenseDecision }[] = [];
  let ignored = 0;
  for (const component of components) {
    if (ignore.some((pattern) => ignores(pattern, component))) {
      ignored++;
      continue;
    }
    judged.push({
      component,
      decision: judgeLicenses(component.licenses, { deny, ...(allow ? { allow } : {}) }),
    });
  }
  const denied = judged.filter((j) => j.decision.verdict === 'denied');
  const unknown = judged.filter((j) => j.decision.verdict === 'unknown');
  const describe = (j: (typeof judged)[number]) =>
    `${componentLabel(j.component)}: ${j.decision.reasons.join(', ') || j.decision.licenses}`;
  for (const [label, list] of [
    ['denied', denied],
    ['unknown', unknown],
  ] as const) {
    for (const j of list.slice(0, SHOWN)) ctx.log(`  ${label.padEnd(8)} ${describe(j)}`);
    if (list.length > SHOWN) ctx.log(`  … and ${list.length - SHOWN} more ${label}`);
  }
  ctx.log(
    `${judged.length - denied.length - unknown.length} allowed, ${denied.length} denied, ${unknown.length} unknown${
      ignored ? `, ${ignored} ignored` : ''
    }`,
  );

  // decide
  const problems: string[] = [];
  const names = (list: typeof judged) =>
    `${list.slice(0, 5).map(describe).join('; ')}${list.length > 5 ? `; and ${list.length - 5} more` : ''}`;
  if (denied.length > 0) problems.push(`${denied.length} denied (${names(denied)})`);
  if (unknown.length > 0 && unknownMode === 'fail')
    problems.push(`${unknown.length} unknown (${names(unknown)}); set unknown: warn to accept them`);
  else if (unknown.length > 0)
    ctx.log(`⚠ ${unknown.length} component(s) with unknown licenses (unknown: warn)`);
  return {
    ok: problems.length === 0,
    ...(problems.length > 0 ? { reason: `license policy failed: ${problems.join('; ')}` } : {}),
    outputs: { denied: String(denied.length), unknown: String(unknown.length) },
    evidence: { 'licenses.denied': denied.length, 'licenses.unknown': unknown.length },
  };
}

function ignores(pattern: string, c: SbomComponent): boolean {
  return [c.name, componentLabel(c), c.purl ?? ''].some((text) => matchesWildcard(pattern, text));
}
