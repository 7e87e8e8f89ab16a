import {
  parseSpdx,
  printSpdx,
  SpdxSyntaxError,
  type LicenseExpression,
  type LicenseLeaf,
} from './spdx-expression.ts';

/**
 * Licenses a proprietary network service should not ship, and why. Weak copyleft (LGPL, MPL, EPL, CDDL)
 * is left out: its obligations apply to changes of the library itself or to distributed binaries.
 */
export const DEFAULT_DENY: readonly { pattern: string; why: string }[] = Object.freeze([
  { pattern: 'AGPL-*', why: 'network copyleft: users of the service may ask for its source' },
  { pattern: 'GPL-*', why: 'strong copyleft: a distributed build must ship all of its source' },
  { pattern: 'SSPL-*', why: 'offering the software as a service requires publishing the whole stack' },
  { pattern: 'EUPL-*', why: 'strong copyleft' },
  { pattern: 'OSL-*', why: 'copyleft that counts network use ("external deployment") as distribution' },
  { pattern: 'RPL-*', why: 'copyleft that counts network use ("external deployment") as distribution' },
  { pattern: 'CPAL-*', why: 'requires attribution to network users' },
  { pattern: 'Sleepycat', why: 'strong copyleft' },
  { pattern: 'BUSL-*', why: 'source available: production use needs a grant' },
  { pattern: 'CC-BY-NC-*', why: 'non-commercial use only' },
]);

/** Stands for `DEFAULT_DENY` inside a `deny` list, so a policy can extend the defaults. */
export const DEFAULTS_TOKEN = 'defaults';

/** How a component's licenses are judged, worst first. */
export const VERDICTS = ['denied', 'unknown', 'allowed'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A license policy: deny patterns, and an optional allow list that, when set, is the only way in. */
export interface LicensePolicy {
  deny: readonly string[];
  allow?: readonly string[];
}

/** The verdict on a component's licenses, with one line per license that decided it. */
export interface LicenseDecision {
  verdict: Verdict;
  /** The licenses as read, in canonical form where they parse. */
  licenses: string;
  reasons: string[];
}

const GNU = /^(A?GPL|LGPL|GFDL)-(\d\.\d)$/i;
const UNKNOWN_IDS = new Set(['NOASSERTION', 'NONE', 'UNLICENSED', 'UNKNOWN']);

/** Expands the `defaults` token of a deny list. */
export function denyPatterns(deny: readonly string[] | undefined): string[] {
  if (deny === undefined) return DEFAULT_DENY.map((d) => d.pattern);
  return deny.flatMap((p) => (p === DEFAULTS_TOKEN ? DEFAULT_DENY.map((d) => d.pattern) : [p]));
}

/**
 * Judges a component's licenses against a policy. Several entries (a CycloneDX `licenses` array)
 * must all be acceptable; within an expression `OR` takes the best choice and `AND` the worst part.
 */
export function judgeLicenses(entries: readonly string[], policy: LicensePolicy): LicenseDecision {
  if (entries.length === 0) return { verdict: 'unknown', licenses: '(none)', reasons: ['no license'] };
  const parts = entries.map((text) => judgeEntry(text, policy));
  const verdict = worst(parts.map((p) => p.verdict));
  return {
    verdict,
    licenses: parts.map((p) => p.licenses).join('; '),
    reasons: parts.filter((p) => p.verdict === verdict).flatMap((p) => p.reasons),
  };
}

function judgeEntry(text: string, policy: LicensePolicy): LicenseDecision {
  let expression: LicenseExpression;
  try {
    expression = parseSpdx(text);
  } catch (error) {
    if (!(error instanceof SpdxSyntaxError)) throw error;
    return { verdict: 'unknown', licenses: text, reasons: [error.message] };
  }
  const { verdict, reasons } = judgeExpression(expression, policy);
  return { verdict, licenses: printSpdx(expression), reasons };
}

function judgeExpression(
  expression: LicenseExpression,
  policy: LicensePolicy,
): { verdict: Verdict; reasons: string[] } {
  if (expression.type === 'license') return judgeLeaf(expression, policy);
  const parts = expression.args.map((a) => judgeExpression(a, policy));
  const verdicts = parts.map((p) => p.verdict);
  const verdict = expression.type === 'and' ? worst(verdicts) : best(verdicts);
  if (verdict === 'allowed') return { verdict, reasons: [] };
  return { verdict, reasons: parts.filter((p) => p.verdict === verdict).flatMap((p) => p.reasons) };
}

function judgeLeaf(leaf: LicenseLeaf, policy: LicensePolicy): { verdict: Verdict; reasons: string[] } {
  const text = printSpdx(leaf);
  const allowedBy = policy.allow?.find((p) => leafMatches(p, leaf));
  if (allowedBy !== undefined) return { verdict: 'allowed', reasons: [] };
  if (UNKNOWN_IDS.has(leaf.id.toUpperCase()))
    return { verdict: 'unknown', reasons: [`${text} says nothing about the license`] };
  const deniedBy = policy.deny.find((p) => leafMatches(p, leaf));
  if (deniedBy !== undefined) return { verdict: 'denied', reasons: [`${text} (deny ${deniedBy})`] };
  if (/(^|:)LicenseRef-/.test(leaf.id))
    return { verdict: 'unknown', reasons: [`${text} is a custom license; allow it by name to accept it`] };
  if (policy.allow !== undefined && policy.allow.length > 0)
    return { verdict: 'denied', reasons: [`${text} (not in allow)`] };
  return { verdict: 'allowed', reasons: [] };
}

/**
 * Whether a policy pattern names a license: case-insensitive, `*` for any text; `GPL-2.0` and `GPL-2.0+`
 * also read as `GPL-2.0-only` and `GPL-2.0-or-later`. A pattern with `WITH` needs the same exception;
 * one without it matches the license with or without an exception.
 */
export function leafMatches(pattern: string, leaf: LicenseLeaf): boolean {
  const [base = '', exception] = pattern.split(/\s+WITH\s+/i).map((s) => s.trim());
  if (exception !== undefined && !matchesWildcard(exception, leaf.exception ?? '')) return false;
  return namesOf(leaf).some((name) => matchesWildcard(base, name));
}

function namesOf(leaf: LicenseLeaf): string[] {
  const names = [leaf.id];
  if (leaf.orLater) names.push(`${leaf.id}+`);
  const gnu = GNU.exec(leaf.id);
  if (gnu) names.push(`${gnu[1]}-${gnu[2]}-${leaf.orLater ? 'or-later' : 'only'}`);
  return names;
}

/** Whether `text` is `pattern`, case-insensitively, where `*` stands for any run of characters. */
export function matchesWildcard(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(text);
}

function worst(verdicts: readonly Verdict[]): Verdict {
  return VERDICTS.find((v) => verdicts.includes(v)) ?? 'allowed';
}

function best(verdicts: readonly Verdict[]): Verdict {
  return [...VERDICTS].reverse().find((v) => verdicts.includes(v)) ?? 'denied';
}
