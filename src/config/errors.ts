/** A position in a config file, 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** One problem found in a config file. */
export interface ConfigIssue extends SourcePos {
  message: string;
}

/** A config file that cannot be used; carries every issue found, each with its position. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Formats an issue as `file:line:col: message`, the shape editors and CI annotate. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}
