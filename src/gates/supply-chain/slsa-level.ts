import type { SlsaLevel } from './provenance.ts';

/** One rule of the level policy: a builder (and optionally its build type and signer) earns a level. */
export interface BuilderLevel {
  /** `runDetails.builder.id`; a trailing `*` matches any rest. */
  builder: string;
  /** `buildDefinition.buildType`; any when absent. */
  buildType?: string;
  /** The verified signer (certificate identity, or `key:<keyid>`); a trailing `*` matches any rest. */
  signer?: string;
  level: SlsaLevel;
}

/**
 * The builders Runway knows: the SLSA GitHub generator's reusable workflows on GitHub-hosted runners are
 * SLSA Build L3 (signing isolated from the build); a GitHub-hosted workflow signing its own provenance
 * (npm provenance, actions/attest-build-provenance) is L2. User rules come first.
 */
export const DEFAULT_BUILDER_LEVELS: readonly BuilderLevel[] = Object.freeze([
  {
    builder: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/*',
    level: 3,
  },
  {
    builder: 'https://github.com/actions/runner/github-hosted',
    buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
    level: 2,
  },
]);

/** The level a verified provenance earns, and why. */
export interface DerivedLevel {
  level: SlsaLevel;
  /** `policy` when a rule granted it; `self-declared` when only the provenance itself claims more than 1. */
  source: 'policy' | 'self-declared' | 'signed';
  why: string;
}

/**
 * The SLSA build level of verified provenance: the first rule matching its builder, build type and signer
 * decides; with no rule, signed provenance is level 1 and a level the provenance declares for itself is
 * reported but never counts above 1.
 *
 * @example deriveSlsaLevel({ builderId: 'runway', buildType: 'x', signer: 'key:ab12', declared: 3 }, []).level // 1
 */
export function deriveSlsaLevel(
  provenance: { builderId: string; buildType: string; signer: string; declared?: number },
  rules: readonly BuilderLevel[],
): DerivedLevel {
  for (const rule of [...rules, ...DEFAULT_BUILDER_LEVELS]) {
    if (!matches(rule.builder, provenance.builderId)) continue;
    if (rule.buildType !== undefined && rule.buildType !== provenance.buildType) continue;
    if (rule.signer !== undefined && !matches(rule.signer, provenance.signer)) continue;
    return {
      level: rule.level,
      source: 'policy',
      why: `builder ${provenance.builderId}${rule.signer !== undefined ? ` signed by ${provenance.signer}` : ''} is level ${rule.level} by policy`,
    };
  }
  if (provenance.declared !== undefined && provenance.declared > 1)
    return {
      level: 1,
      source: 'self-declared',
      why: `builder ${provenance.builderId} declares level ${provenance.declared} itself and no level policy rule names it: counted as 1`,
    };
  return {
    level: 1,
    source: 'signed',
    why: `signed provenance from builder ${provenance.builderId}, which no level policy rule names`,
  };
}

function matches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}
