import { resolve } from 'node:path';
import {
  DEFAULTS_TOKEN,
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
import type { Action } from '../action.ts';

const UNKNOWN_MODES = ['warn', 'fail'] as const;
const SHOWN = 20;

/**
 * `uses: gate/licenses` — judges every package of a CycloneDX or SPDX SBOM against deny and allow lists
 * of SPDX licenses (`OR` takes the best choice, `AND` the worst part); fails on any denied license, and
 * on unknown ones unless `unknown: warn`. Evidence `licenses.denied`, `licenses.unknown`.
 */
export const gateLicenses: Action = {
  name: 'gate/licenses',
  description: 'fail on denied (or unknown) licenses among the components of an SBOM',
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['sbom'],
    properties: {
      sbom: { type: 'string', minLength: 1, description: 'CycloneDX or SPDX JSON SBOM' },
      deny: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: `license patterns to refuse (* for any text); "${DEFAULTS_TOKEN}" stands for the default list`,
      },
      allow: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'when set, the only licenses accepted; an allowed license wins over deny',
      },
      unknown: {
        type: 'string',
        enum: [...UNKNOWN_MODES],
        description: 'missing or unreadable licenses (fail)',
      },
      ignore: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'components not judged: name, name@version or purl (* for any text)',
      },
    },
  },
  async run(ctx) {
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
  },
};

function ignores(pattern: string, c: SbomComponent): boolean {
  return [c.name, componentLabel(c), c.purl ?? ''].some((text) => matchesWildcard(pattern, text));
}
