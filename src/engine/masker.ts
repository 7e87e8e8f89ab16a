/** What replaces a secret in any output. */
export const MASK = '***';

/** Secrets at least this long are also found when a step splits them across lines (`fold`, wrapping). */
export const FOLD_MIN_LENGTH = 8;

/** The forms of a secret to hide: the value, each of its lines, and its JSON-escaped form. */
export function secretPatterns(values: Iterable<string>): string[] {
  const patterns = new Set<string>();
  for (const raw of values) {
    const value = raw.trim();
    if (value.length < 3) continue;
    patterns.add(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) patterns.add(escaped);
    if (/\r?\n/.test(value)) {
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= 3) patterns.add(line.trim());
    }
  }
  return [...patterns].sort((a, b) => b.length - a.length);
}

/** An ANSI escape sequence: CSI (`ESC [ … final`), OSC (`ESC ] … BEL`), or a two-character escape. */
const TERMINAL_ESCAPE = '\\x1b(?:\\[[0-?]*[ -/]*[@-~]|\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)|[@-Z\\\\-_])';

const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_LIMIT = 256;

/** Single-line secrets long enough not to match by chance are also looked for across line breaks. */
function foldable(pattern: string): boolean {
  return pattern.length >= FOLD_MIN_LENGTH && !/[\r\n]/.test(pattern);
}

/** A secret as a regex that also matches it with line breaks inserted between its characters. */
function folded(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const chars = [...pattern].map((c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    // between any two characters: line breaks, and terminal escape sequences (colours, cursor moves)
    // that a terminal shows as nothing, so `s3c\x1b[0mret` still reads "s3cret" on screen
    re = new RegExp(chars.join(`(?:\\r?\\n|${TERMINAL_ESCAPE})*`), 'g');
    if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** Replaces every secret pattern in a complete text, including secrets split across lines. */
export function maskText(text: string, patterns: readonly string[]): string {
  let out = text;
  for (const p of patterns) {
    if (out.includes(p)) out = out.split(p).join(MASK);
    if ((foldable(p) && /\n/.test(out)) || out.includes('\x1b')) out = out.replace(folded(p), MASK);
  }
  return out;
}

/**
 * Masks a stream of text chunks. A secret may arrive split across chunks (or lines), so the tail
 * that could still be the start of a secret is held back until the next chunk or `end()`.
 */
export class StreamMasker {
  readonly #patterns: readonly string[];
  #pending = '';

  constructor(patterns: readonly string[]) {
    this.#patterns = patterns;
  }

  /** Masks a chunk and returns what is safe to emit now. */
  push(chunk: string): string {
    if (this.#patterns.length === 0) return chunk;
    const text = maskText(this.#pending + chunk, this.#patterns);
    const hold = this.#holdBack(text);
    this.#pending = text.slice(text.length - hold);
    return text.slice(0, text.length - hold);
  }

  /** Returns whatever was held back, masked. */
  end(): string {
    const rest = maskText(this.#pending, this.#patterns);
    this.#pending = '';
    return rest;
  }

  /** Length of the longest tail of `text` that may be the start of a secret. */
  #holdBack(text: string): number {
    let hold = 0;
    for (const p of this.#patterns) {
      const folds = foldable(p);
      const window = Math.min(text.length, folds ? p.length * 3 : p.length - 1);
      for (let start = text.length - window; start < text.length - hold; start++) {
        if (start < 0) continue;
        const tail = text.slice(start);
        const candidate = folds ? tail.replace(/\r?\n/g, '').replace(/\r$/, '') : tail;
        if (
          candidate.length > 0 &&
          candidate.length < p.length &&
          p.startsWith(candidate) &&
          !/^[\r\n]/.test(tail)
        ) {
          hold = text.length - start;
          break;
        }
      }
    }
    return hold;
  }
}
