/** What replaces a secret in any output. */
export const MASK = '***';

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

/** Replaces every secret pattern in a complete text. */
export function maskText(text: string, patterns: readonly string[]): string {
  let out = text;
  for (const p of patterns) if (out.includes(p)) out = out.split(p).join(MASK);
  return out;
}

/**
 * Masks a stream of text chunks. A secret may arrive split across chunks, so the tail that could
 * still be the start of a secret is held back until the next chunk or `end()`.
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

  #holdBack(text: string): number {
    let hold = 0;
    for (const p of this.#patterns) {
      const max = Math.min(p.length - 1, text.length);
      for (let k = max; k > hold; k--) {
        if (text.endsWith(p.slice(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }
}
