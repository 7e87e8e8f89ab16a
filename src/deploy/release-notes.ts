/*
 * Release notes from the Conventional Commits between two releases: breaking changes first, then
 * features, fixes and performance; other types (docs, chore…) and non-conventional commits are
 * counted but not listed.
 */
import type { Commit } from '../actions/commitlint/commits.ts';
import { DEFAULT_TYPES, lintMessage } from '../actions/commitlint/conventional.ts';

/** One line of the notes. */
export interface NoteItem {
  scope?: string;
  subject: string;
  sha: string;
}

/** Release notes as data, with their Markdown. */
export interface ReleaseNotes {
  title: string;
  breaking: NoteItem[];
  features: NoteItem[];
  fixes: NoteItem[];
  performance: NoteItem[];
  /** Commits not listed: other types, merges, messages that are not Conventional Commits. */
  other: number;
  markdown: string;
}

/** Groups commits (newest first, as git log gives them) into release notes titled `title`. */
export function releaseNotes(title: string, commits: readonly Commit[]): ReleaseNotes {
  const notes: Omit<ReleaseNotes, 'markdown'> = {
    title,
    breaking: [],
    features: [],
    fixes: [],
    performance: [],
    other: 0,
  };
  for (const c of commits) {
    const result = lintMessage(c.message, { types: DEFAULT_TYPES, headerMaxLength: 1000 });
    const header = result.ok ? result.header : undefined;
    if (c.merge || !header) {
      notes.other++;
      continue;
    }
    const item: NoteItem = {
      ...(header.scope ? { scope: header.scope } : {}),
      subject: header.subject,
      sha: c.shortSha,
    };
    const breaking = header.breaking || /^BREAKING[ -]CHANGE: /m.test(c.message);
    if (breaking) notes.breaking.push(item);
    if (header.type === 'feat') notes.features.push(item);
    else if (header.type === 'fix' || header.type === 'revert') notes.fixes.push(item);
    else if (header.type === 'perf') notes.performance.push(item);
    else if (!breaking) notes.other++;
  }
  const section = (name: string, items: NoteItem[]) =>
    items.length === 0
      ? []
      : [
          `### ${name}`,
          '',
          ...items.map((i) => `- ${i.scope ? `**${i.scope}:** ` : ''}${i.subject} (${i.sha})`),
          '',
        ];
  const markdown = [
    `## ${title}`,
    '',
    ...section('Breaking changes', notes.breaking),
    ...section('Features', notes.features),
    ...section('Fixes', notes.fixes),
    ...section('Performance', notes.performance),
    ...(notes.other > 0 ? [`${notes.other} other commit(s) (docs, chores, merges…) not listed.`, ''] : []),
  ].join('\n');
  return { ...notes, markdown };
}
