/*
 * Turns Gitleaks' default configuration (config/gitleaks.toml, MIT) into the rule data `scan/secrets`
 * loads: src/gates/security/gitleaks/rules.json. Go (RE2) patterns are rewritten for JavaScript: a
 * leading (?i) becomes the i flag, a later (?i) a (?i:…) group, POSIX classes and \z spelled out.
 *
 *   node scripts/import-gitleaks-rules.ts <gitleaks.toml> <commit>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'smol-toml';

const [source, commit] = process.argv.slice(2);
if (source === undefined || commit === undefined) {
  process.stderr.write('usage: node scripts/import-gitleaks-rules.ts <gitleaks.toml> <commit>\n');
  process.exit(2);
}

type Toml = Record<string, unknown>;
const POSIX: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  digit: '0-9',
  xdigit: '0-9a-fA-F',
  upper: 'A-Z',
  lower: 'a-z',
  space: String.raw`\s`,
  punct: String.raw`!-\/:-@\[-\x60{-~`,
  word: String.raw`\w`,
};

/** A Go regular expression as JavaScript source and flags. */
function toJs(go: string): { source: string; flags: string } {
  let source = go;
  let flags = '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  source = source
    .replace(/\[:(\w+):\]/g, (m, name: string) => POSIX[name] ?? m)
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^')
    .replace(/\(\?P</g, '(?<');
  for (let at = source.indexOf('(?i)'); at !== -1; at = source.indexOf('(?i)')) {
    const end = enclosingEnd(source, at + 4);
    source = `${source.slice(0, at)}(?i:${source.slice(at + 4, end)})${source.slice(end)}`;
  }
  return { source, flags };
}

/** Index of the `)` that closes the group containing `from`, or the end of the pattern. */
function enclosingEnd(source: string, from: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return source.length;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
const regexes = (v: unknown) => strings(v).map(toJs);

const config = parse(readFileSync(source, 'utf8')) as Toml;
const global = (config['allowlist'] ?? {}) as Toml;
const rules: unknown[] = [];
const skipped: { id: string; why: string }[] = [];
for (const rule of (config['rules'] ?? []) as Toml[]) {
  const id = String(rule['id']);
  if (typeof rule['regex'] !== 'string') {
    skipped.push({ id, why: 'matches file paths only' });
    continue;
  }
  const regex = toJs(rule['regex']);
  try {
    new RegExp(regex.source, `${regex.flags}gd`);
  } catch (error) {
    skipped.push({ id, why: `pattern does not compile in JavaScript: ${(error as Error).message}` });
    continue;
  }
  const allowlists = [
    ...((rule['allowlists'] ?? []) as Toml[]),
    ...(rule['allowlist'] ? [rule['allowlist'] as Toml] : []),
  ].map((a) => ({
    ...(a['condition'] ? { condition: String(a['condition']).toUpperCase() } : {}),
    ...(a['regexTarget'] ? { regexTarget: String(a['regexTarget']) } : {}),
    regexes: regexes(a['regexes']),
    stopwords: strings(a['stopwords']),
    paths: regexes(a['paths']),
  }));
  rules.push({
    id,
    description: String(rule['description'] ?? id),
    regex,
    ...(typeof rule['path'] === 'string' ? { path: toJs(rule['path']) } : {}),
    ...(typeof rule['secretGroup'] === 'number' ? { secretGroup: rule['secretGroup'] } : {}),
    ...(typeof rule['entropy'] === 'number' ? { entropy: rule['entropy'] } : {}),
    keywords: strings(rule['keywords']).map((k) => k.toLowerCase()),
    allowlists,
  });
}
const data = {
  source: `https://github.com/gitleaks/gitleaks/blob/${commit}/config/gitleaks.toml`,
  license: 'MIT, Copyright (c) 2019 Zachary Rice (see LICENSE in this folder)',
  generatedBy: 'node scripts/import-gitleaks-rules.ts <gitleaks.toml> <commit>',
  allowlist: {
    paths: [
      ...regexes(global['paths']),
      { source: String.raw`(?:^|/)gates/security/gitleaks/rules\.json$`, flags: '' },
    ],
    regexes: regexes(global['regexes']),
    stopwords: strings(global['stopwords']),
  },
  rules,
  skipped,
};
writeFileSync(
  new URL('../src/gates/security/gitleaks/rules.json', import.meta.url),
  `${JSON.stringify(data, null, 1)}\n`,
);
process.stdout.write(`${rules.length} rules, ${skipped.length} skipped\n`);
for (const s of skipped) process.stdout.write(`  skipped ${s.id}: ${s.why}\n`);
