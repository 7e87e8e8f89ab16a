import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourcePos } from './errors.ts';

export type Path = readonly (string | number)[];

/** Finds where a value (or, with `key`, its key) stands in a parsed YAML document. */
export class PositionIndex {
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #file: string;

  constructor(file: string, doc: Document, lines: LineCounter) {
    this.#file = file;
    this.#doc = doc;
    this.#lines = lines;
  }

  /** The position of the node at `path`, or of its nearest existing ancestor. */
  at(path: Path, opts: { key?: boolean } = {}): SourcePos {
    let node: unknown = this.#doc.contents;
    let keyNode: unknown = undefined;
    let last: unknown = node;
    for (const segment of path) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else {
        break;
      }
      if (node == null) break;
      last = node;
    }
    const target = opts.key && keyNode ? keyNode : (node ?? keyNode ?? last);
    return this.offset(rangeStart(target));
  }

  /** The position of a character offset in the file. */
  offset(offset: number): SourcePos {
    const { line, col } = this.#lines.linePos(offset);
    return { file: this.#file, line, col };
  }
}

function rangeStart(node: unknown): number {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : 0;
}
