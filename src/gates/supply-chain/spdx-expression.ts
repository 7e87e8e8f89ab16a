import { createRequire } from 'node:module';
import { didYouMean } from '../../config/suggest.ts';

const require = createRequire(import.meta.url);

/** SPDX license ids and exception ids (current and deprecated), by lower case; read on first use. */
interface SpdxLists {
  licenseIds: readonly string[];
  exceptionIds: readonly string[];
  licenses: Map<string, string>;
  exceptions: Map<string, string>;
}
let lists: SpdxLists | undefined;

function spdxLists(): SpdxLists {
  if (lists) return lists;
  const licenseIds = [
    ...(require('spdx-license-ids') as string[]),
    ...(require('spdx-license-ids/deprecated.json') as string[]),
  ];
  const exceptionIds = [
    ...(require('spdx-exceptions') as string[]),
    ...(require('spdx-exceptions/deprecated.json') as string[]),
  ];
  const byLowerCase = (ids: readonly string[]) => new Map(ids.map((id) => [id.toLowerCase(), id]));
  lists = {
    licenseIds,
    exceptionIds,
    licenses: byLowerCase(licenseIds),
    exceptions: byLowerCase(exceptionIds),
  };
  return lists;
}

/**
 * A parsed SPDX license expression (SPDX 2.3 annex D). `and`/`or` are n-ary and never directly
 * contain their own kind, so `A AND (B AND C)` and `A AND B AND C` parse to the same tree.
 */
export type LicenseExpression = LicenseLeaf | { type: 'and' | 'or'; args: LicenseExpression[] };

/** One license: an SPDX id or a `LicenseRef-`, with `+` (or later) and a `WITH` exception. */
export interface LicenseLeaf {
  type: 'license';
  id: string;
  orLater: boolean;
  exception?: string;
}

/**
 * Text that is not an SPDX license expression, or names a license or exception the SPDX license list does
 * not have; the message says where and what was expected.
 */
export class SpdxSyntaxError extends Error {
  override name = 'SpdxSyntaxError';
}

const IDSTRING = /^[A-Za-z0-9.-]+$/;
const REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
const OPERATORS = new Map([
  ['AND', 'and'],
  ['and', 'and'],
  ['OR', 'or'],
  ['or', 'or'],
  ['WITH', 'with'],
  ['with', 'with'],
] as const);

interface Token {
  text: string;
  at: number;
}

/**
 * Parses an SPDX license expression; throws `SpdxSyntaxError` naming the text and the position. License
 * and exception ids must be on the SPDX license list (matched case-insensitively, returned in the list's
 * case); `LicenseRef-` ids are custom licenses.
 *
 * @example parseSpdx('(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0')
 */
export function parseSpdx(text: string): LicenseExpression {
  const tokens = tokenize(text);
  let pos = 0;
  const fail = (expected: string): never => {
    const token = tokens[pos];
    const found = token ? `"${token.text}" at position ${token.at + 1}` : 'the end';
    throw new SpdxSyntaxError(`invalid SPDX expression "${text}": expected ${expected}, found ${found}`);
  };
  const operator = (): string | undefined => {
    const token = tokens[pos];
    return token ? OPERATORS.get(token.text as 'AND') : undefined;
  };

  const compound = (kind: 'and' | 'or', part: () => LicenseExpression): LicenseExpression => {
    const args: LicenseExpression[] = [];
    const push = (e: LicenseExpression) => args.push(...(e.type === kind ? e.args : [e]));
    push(part());
    while (operator() === kind) {
      pos++;
      push(part());
    }
    return args.length === 1 ? (args[0] as LicenseExpression) : { type: kind, args };
  };
  const orExpression = (): LicenseExpression => compound('or', andExpression);
  const andExpression = (): LicenseExpression => compound('and', simple);
  const simple = (): LicenseExpression => {
    const token = tokens[pos];
    if (token?.text === '(') {
      pos++;
      const inner = orExpression();
      if (tokens[pos]?.text !== ')') fail('")"');
      pos++;
      return inner;
    }
    if (!token || token.text === ')' || operator() !== undefined) return fail('a license id or "("');
    pos++;
    const orLater = token.text.endsWith('+');
    const id = orLater ? token.text.slice(0, -1) : token.text;
    if (!REF.test(id) && !IDSTRING.test(id)) {
      pos--;
      fail('a license id (letters, digits, "." and "-") or a LicenseRef-');
    }
    if (orLater && REF.test(id)) {
      pos--;
      fail('no "+" after a LicenseRef-');
    }
    const leaf: LicenseLeaf = {
      type: 'license',
      id: REF.test(id) ? id : known(spdxLists().licenses, id, token, 'license'),
      orLater,
    };
    if (operator() === 'with') {
      pos++;
      const exception = tokens[pos];
      if (!exception || !IDSTRING.test(exception.text) || operator() !== undefined)
        return fail('an exception id after WITH');
      pos++;
      leaf.exception = known(spdxLists().exceptions, exception.text, exception, 'exception');
    }
    return leaf;
  };

  const known = (list: Map<string, string>, id: string, token: Token, what: string): string => {
    const found = list.get(id.toLowerCase());
    if (found !== undefined) return found;
    const ids = what === 'license' ? spdxLists().licenseIds : spdxLists().exceptionIds;
    throw new SpdxSyntaxError(
      `invalid SPDX expression "${text}": "${id}" at position ${token.at + 1} is not an SPDX ${what} id${didYouMean(id, ids)}`,
    );
  };

  if (tokens.length === 0) return fail('a license expression');
  const expression = orExpression();
  if (pos < tokens.length) fail('AND, OR or the end');
  return expression;
}

/** Prints an expression in canonical form: upper-case operators, parentheses only where needed. */
export function printSpdx(expression: LicenseExpression): string {
  switch (expression.type) {
    case 'license':
      return `${expression.id}${expression.orLater ? '+' : ''}${
        expression.exception ? ` WITH ${expression.exception}` : ''
      }`;
    case 'and':
      return expression.args.map((a) => (a.type === 'or' ? `(${printSpdx(a)})` : printSpdx(a))).join(' AND ');
    case 'or':
      return expression.args.map(printSpdx).join(' OR ');
  }
}

/** Every license of an expression, left to right. */
export function leavesOf(expression: LicenseExpression): LicenseLeaf[] {
  return expression.type === 'license' ? [expression] : expression.args.flatMap(leavesOf);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([()])|([^\s()]+))/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(text)) !== null && m[0] !== '') {
    const tokenText = (m[1] ?? m[2]) as string;
    tokens.push({ text: tokenText, at: m.index + m[0].length - tokenText.length });
    last = re.lastIndex;
  }
  if (text.slice(last).trim() !== '')
    throw new SpdxSyntaxError(`invalid SPDX expression "${text}": unexpected text at position ${last + 1}`);
  return tokens;
}
