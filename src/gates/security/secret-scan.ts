import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import { allowedPaths } from './gitleaks-rules.ts';
import { secretRules, shannonEntropy, type SecretRule } from './secret-rules.ts';

/** A secret found in a file. It never carries the secret, only where it is and a fingerprint of it. */
export interface SecretFinding {
  rule: string;
  /** Path relative to the scanned directory, with `/`. */
  file: string;
  line: number;
  column: number;
  /** First 12 hex digits of the sha256 of the secret: stable across moves, useless to an attacker. */
  fingerprint: string;
}

/** Directories never scanned. */
export const SKIPPED_DIRECTORIES: readonly string[] = Object.freeze(['node_modules', '.git', '.runway']);
/** Files larger than this are skipped (logged), as are binary files. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** A comment on a line that holds a known, accepted secret-looking value. */
export const INLINE_ALLOW = /runway:allow-secret|gitleaks:allow/;

/** Fingerprint of a secret: sha256, first 12 hex digits. */
export function fingerprintOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 12);
}

/** Finds secrets in one file's text; overlapping matches of later (less specific) rules are dropped. */
export function scanText(
  text: string,
  file: string,
  rules: readonly SecretRule[] = secretRules(),
): SecretFinding[] {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const taken: [number, number][] = [];
  const findings: SecretFinding[] = [];
  let lower: string | undefined;
  for (const rule of rules) {
    if (rule.path && !rule.path.test(file)) continue;
    if (rule.keywords && rule.keywords.length > 0) {
      lower ??= text.toLowerCase();
      if (!rule.keywords.some((k) => (lower as string).includes(k))) continue;
    }
    const pattern = new RegExp(
      rule.pattern.source,
      rule.pattern.flags.includes('d') ? rule.pattern.flags : `${rule.pattern.flags}d`,
    );
    for (const match of text.matchAll(pattern)) {
      const group = secretGroupOf(match, rule.secretGroup);
      const raw = group === 'secret' ? match.groups?.['secret'] : match[group];
      const span = group === 'secret' ? match.indices?.groups?.['secret'] : match.indices?.[group];
      if (raw === undefined || span === undefined) continue;
      // a whole match may end in the delimiter after the secret (a space, a newline)
      const secret = group === 0 ? raw.trimEnd() : raw;
      const [start] = span;
      const end = start + secret.length;
      if (taken.some(([s, e]) => start < e && s < end)) continue;
      if (rule.minEntropy !== undefined && shannonEntropy(secret) < rule.minEntropy) continue;
      const line = lineOf(lineStarts, start);
      const lineText = text.slice(lineStarts[line - 1], lineStarts[line] ?? text.length);
      if (rule.accept && !rule.accept(secret, { match: match[0], line: lineText, file })) continue;
      if (INLINE_ALLOW.test(lineText)) continue;
      taken.push([start, end]);
      findings.push({
        rule: rule.id,
        file,
        line,
        column: start - (lineStarts[line - 1] ?? 0) + 1,
        fingerprint: fingerprintOf(secret),
      });
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Which group of a match is the secret: `secret` when named, else `secretGroup`, else the first that matched. */
function secretGroupOf(match: RegExpExecArray, secretGroup: number | undefined): number | 'secret' {
  if (match.groups?.['secret'] !== undefined) return 'secret';
  if (secretGroup !== undefined) return secretGroup;
  const first = match.findIndex((g, i) => i > 0 && g !== undefined && g !== '');
  return first === -1 ? 0 : first;
}

/** What a directory scan read and what it left out. */
export interface DirectoryScan {
  findings: SecretFinding[];
  /** `git` when the file list came from git (tracked and untracked-but-not-ignored files), else `walk`. */
  source: 'git' | 'walk';
  scanned: number;
  skipped: { file: string; why: 'binary' | 'too large' | 'unreadable' }[];
}

/** Scans the files under `dir`: git's file list when `dir` is in a work tree, else every file. */
export function scanDirectory(dir: string, rules: readonly SecretRule[] = secretRules()): DirectoryScan {
  const fromGit = gitFiles(dir);
  const files = (fromGit ?? walkFiles(dir)).filter(
    (f) =>
      !f.split('/').some((part) => SKIPPED_DIRECTORIES.includes(part)) &&
      !allowedPaths().some((re) => re.test(f)),
  );
  const scan: DirectoryScan = { findings: [], source: fromGit ? 'git' : 'walk', scanned: 0, skipped: [] };
  for (const file of files.sort()) {
    const path = join(dir, file);
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue; // deleted in the work tree but still in git's index
    }
    if (!stat.isFile()) continue;
    if (stat.size > MAX_FILE_BYTES) {
      scan.skipped.push({ file, why: 'too large' });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      scan.skipped.push({ file, why: 'unreadable' });
      continue;
    }
    if (bytes.subarray(0, 8000).includes(0)) {
      scan.skipped.push({ file, why: 'binary' });
      continue;
    }
    scan.scanned++;
    scan.findings.push(...scanText(bytes.toString('utf8'), file, rules));
  }
  return scan;
}

/** Whether a finding is allowed by a path glob or a fingerprint in `allow`. */
export function isAllowed(finding: SecretFinding, allow: readonly string[]): boolean {
  return allow.some((entry) =>
    /^[0-9a-f]{12}$/i.test(entry)
      ? entry.toLowerCase() === finding.fingerprint
      : matchesGlob(finding.file, entry) || matchesGlob(finding.file, `**/${entry}`),
  );
}

function lineOf(lineStarts: readonly number[], index: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function gitFiles(dir: string): string[] | undefined {
  try {
    // node:child_process loads here, not when a command that never scans starts
    const out = process
      .getBuiltinModule('node:child_process')
      .execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 256 * 1024 * 1024,
      });
    return [...new Set(out.toString('utf8').split('\0').filter(Boolean))];
  } catch {
    return undefined;
  }
}

function walkFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(rel === '' ? root : join(root, rel));
    } catch {
      return;
    }
    for (const name of names) {
      if (SKIPPED_DIRECTORIES.includes(name)) continue;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      let stat;
      try {
        stat = lstatSync(join(root, childRel));
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(childRel);
      else if (stat.isFile()) out.push(childRel);
    }
  };
  walk('');
  return out;
}
