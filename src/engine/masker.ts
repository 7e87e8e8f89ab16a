/** What replaces a secret in any output. */
export const MASK = '***';

/** Secrets at least this long are also found when a step splits them across lines (`fold`, wrapping). */
export const FOLD_MIN_LENGTH = 8;

/** The forms of a secret to hide: the value, each of its lines, and its JSON-escaped form. */
export function secretPatterns(values: Iterable<string>): string[] {
  const patterns = new Set<string>();
  for (const value of values) {
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

const regexCache = new Map<string, RegExp>();

/** A secret as a regex that also matches it with line breaks inserted between its characters. */
function folded(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const chars = [...pattern].map((c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace('\n', '\\r?\\n'));
    re = new RegExp(chars.join('(?:\\r?\\n)?'), 'g');
    regexCache.set(pattern, re);
  }
  return re;
}

/** Replaces every secret pattern in a complete text, including secrets split across lines. */
export function maskText(text: string, patterns: readonly string[]): string {
  let out = text;
  for (const p of patterns) {
    if (out.includes(p)) out = out.split(p).join(MASK);
    if (p.length >= FOLD_MIN_LENGTH && /\n/.test(out)) out = out.replace(folded(p), MASK);
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
      const foldable = p.length >= FOLD_MIN_LENGTH;
      const flat = foldable ? p.replace(/\r?\n/g, '') : p;
      const window = Math.min(text.length, foldable ? p.length * 3 : p.length - 1);
      for (let start = text.length - window; start < text.length - hold; start++) {
        if (start < 0) continue;
        const tail = text.slice(start);
        const candidate = foldable ? tail.replace(/\r?\n/g, '') : tail;
        if (candidate.length > 0 && candidate.length < flat.length && flat.startsWith(candidate) && tail[0] !== '\n') {
          hold = text.length - start;
          break;
        }
      }
    }
    return hold;
  }
}
