/** The commit types of the Conventional Commits convention as commitlint's config-conventional has them. */
export const DEFAULT_TYPES = [
  'build',
  'chore',
  'ci',
  'docs',
  'feat',
  'fix',
  'perf',
  'refactor',
  'revert',
  'style',
  'test',
] as const;

/** A parsed commit header. */
export interface ConventionalHeader {
  type: string;
  scope?: string;
  breaking: boolean;
  subject: string;
}

export interface LintOptions {
  types: readonly string[];
  headerMaxLength: number;
}

/** Result of linting one commit message. */
export type LintResult =
  { ok: true; ignored: boolean; header?: ConventionalHeader } | { ok: false; problems: string[] };

const IGNORED = [
  /^Merge (pull request|branch|remote-tracking branch|tag) /,
  /^Revert "/,
  /^(fixup|squash|amend)! /,
];

/**
 * Checks a commit message against Conventional Commits 1.0.0.
 * @example lintMessage('feat(api): add quotes', opts) // { ok: true, ignored: false, header: {...} }
 */
export function lintMessage(message: string, opts: LintOptions): LintResult {
  const lines = message.replace(/\r\n/g, '\n').split('\n');
  const header = lines[0] ?? '';
  if (IGNORED.some((re) => re.test(header))) return { ok: true, ignored: true };
  const problems: string[] = [];
  if (header.trim() === '') return { ok: false, problems: ['the commit message is empty'] };
  if (header.length > opts.headerMaxLength) {
    problems.push(`the header is ${header.length} characters, at most ${opts.headerMaxLength} are allowed`);
  }
  const m = /^(?<type>[a-z]+)(?:\((?<scope>[^()\s][^()]*)\))?(?<bang>!)?: (?<subject>\S.*)$/.exec(header);
  if (!m?.groups) {
    problems.push(`the header ${JSON.stringify(header)} does not match "type(scope)?: subject"`);
    return { ok: false, problems };
  }
  const { type = '', scope, bang, subject = '' } = m.groups;
  if (!opts.types.includes(type)) {
    problems.push(`type "${type}" is not one of: ${opts.types.join(', ')}`);
  }
  if (subject.endsWith('.')) problems.push('the subject must not end with a full stop');
  if (lines.length > 1 && (lines[1] ?? '').trim() !== '') {
    problems.push('the body must be separated from the header by a blank line');
  }
  const breaking = Boolean(bang) || lines.slice(1).some((l) => /^BREAKING[ -]CHANGE: /.test(l));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, ignored: false, header: { type, ...(scope ? { scope } : {}), breaking, subject } };
}
