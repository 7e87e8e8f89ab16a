import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../package-root.ts';
import type { SecretRule } from './secret-rules.ts';

/** One allowlist of a Gitleaks rule: a finding is allowed when any (or, with AND, every) check matches. */
interface GitleaksAllowlist {
  condition?: string;
  regexTarget?: string;
  regexes: { source: string; flags: string }[];
  stopwords: string[];
  paths: { source: string; flags: string }[];
}

/** A rule of Gitleaks' default configuration, as `scripts/import-gitleaks-rules.ts` stores it. */
interface GitleaksRule {
  id: string;
  description: string;
  regex: { source: string; flags: string };
  path?: { source: string; flags: string };
  secretGroup?: number;
  entropy?: number;
  keywords: string[];
  allowlists: GitleaksAllowlist[];
}

interface GitleaksData {
  source: string;
  allowlist: {
    paths: { source: string; flags: string }[];
    regexes: { source: string; flags: string }[];
    stopwords: string[];
  };
  rules: GitleaksRule[];
}

/** The rule data, shipped in the package at this path beside its LICENSE and README. */
export const GITLEAKS_RULES_FILE = join(PACKAGE_ROOT, 'src', 'gates', 'security', 'gitleaks', 'rules.json');

let data: GitleaksData | undefined;
/** The rule data, read on first use (a scan), never at start-up. */
const gitleaksData = (): GitleaksData =>
  (data ??= JSON.parse(readFileSync(GITLEAKS_RULES_FILE, 'utf8')) as GitleaksData);

/** Where the rules come from (Gitleaks' config/gitleaks.toml at a commit, MIT licensed). */
export function gitleaksSource(): string {
  return gitleaksData().source;
}

/**
 * Files no rule looks into (Gitleaks' global path allowlist: lock files, vendored code, images, fonts…,
 * and this rule data itself).
 */
export function allowedPaths(): readonly RegExp[] {
  return (allowed ??= Object.freeze(gitleaksData().allowlist.paths.flatMap(compile)));
}
let allowed: readonly RegExp[] | undefined;

/**
 * Rules Runway does not take from Gitleaks, and why (Runway has its own, stricter rule).
 */
export const LEFT_OUT: Readonly<Record<string, string>> = Object.freeze({
  'generic-api-key': "covered by Runway's generic-secret rules",
  jwt: "Runway's jwt rule, which also checks that the header decodes",
  'private-key': "Runway's private-key rule, which also asks for a key body",
});

/**
 * Gitleaks' default rules as Runway secret rules: the same patterns, secret groups, keywords, entropy
 * thresholds and allowlists (rule and global). A pattern this Node cannot compile is left out.
 */
export function gitleaksRules(): SecretRule[] {
  const { rules, allowlist } = gitleaksData();
  const globalRegexes = allowlist.regexes.flatMap(compile);
  const globalStopwords = allowlist.stopwords.map((s) => s.toLowerCase());
  return rules
    .filter((r) => LEFT_OUT[r.id] === undefined)
    .flatMap((r): SecretRule[] => {
      const [pattern] = compile({ source: r.regex.source, flags: `${r.regex.flags}g` });
      const [path] = r.path ? compile(r.path) : [];
      if (!pattern || (r.path && !path)) return [];
      const lists = r.allowlists.map((a) => ({
        and: a.condition === 'AND',
        target: a.regexTarget ?? 'secret',
        regexes: a.regexes.flatMap(compile),
        stopwords: a.stopwords.map((s) => s.toLowerCase()),
        paths: a.paths.flatMap(compile),
      }));
      return [
        {
          id: r.id,
          description: r.description,
          pattern,
          keywords: r.keywords,
          ...(path ? { path } : {}),
          ...(r.secretGroup !== undefined ? { secretGroup: r.secretGroup } : {}),
          ...(r.entropy !== undefined ? { minEntropy: r.entropy } : {}),
          accept(secret, context) {
            const lower = secret.toLowerCase();
            if (globalRegexes.some((re) => re.test(secret))) return false;
            if (globalStopwords.some((w) => lower.includes(w))) return false;
            return !lists.some((list) => {
              const target =
                list.target === 'match' ? context.match : list.target === 'line' ? context.line : secret;
              const checks: boolean[] = [];
              if (list.regexes.length > 0) checks.push(list.regexes.some((re) => re.test(target)));
              if (list.stopwords.length > 0) checks.push(list.stopwords.some((w) => lower.includes(w)));
              if (list.paths.length > 0) checks.push(list.paths.some((re) => re.test(context.file)));
              return checks.length > 0 && (list.and ? checks.every(Boolean) : checks.some(Boolean));
            });
          },
        },
      ];
    });
}

function compile(r: { source: string; flags: string }): RegExp[] {
  try {
    return [new RegExp(r.source, r.flags)];
  } catch {
    return [];
  }
}
