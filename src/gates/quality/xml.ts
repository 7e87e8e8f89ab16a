import { createRequire } from 'node:module';
import type * as Fxp from 'fast-xml-parser';

/** fast-xml-parser, loaded on the first report read (its single-file CommonJS build), not at start-up. */
let fxp: typeof Fxp | undefined;
const xmlLibrary = (): typeof Fxp =>
  (fxp ??= createRequire(import.meta.url)('fast-xml-parser') as typeof Fxp);

/** A parsed XML element: attributes by name, children by tag (always arrays when listed in `arrays`). */
export type XmlNode = Record<string, unknown>;

/**
 * Parses `text` (read from `file`) into plain objects, attributes unprefixed. Throws an error naming
 * the file on malformed or truncated XML.
 */
export function parseXml(text: string, file: string, arrays: readonly string[]): XmlNode {
  if (text.trim() === '') throw new Error(`${file}: empty file, expected XML`);
  const { XMLParser, XMLValidator } = xmlLibrary();
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    const unclosed = /^Invalid '\[(.*)\]' found\.$/s.exec(msg);
    const detail = unclosed
      ? `truncated or unclosed elements: ${(unclosed[1] ?? '')
          .replace(/[\s"]+/g, '')
          .split(',')
          .join(', ')}`
      : `${msg} (line ${line}${col === undefined ? '' : `, column ${col}`})`;
    throw new Error(`${file}: malformed XML: ${detail}`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    ignoreDeclaration: true,
    isArray: (name) => arrays.includes(name),
  });
  return parser.parse(text) as XmlNode;
}

/** The children of `node` named `tag`, as an array. */
export function children(node: unknown, tag: string): XmlNode[] {
  if (node === null || typeof node !== 'object') return [];
  const value = (node as XmlNode)[tag];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (v !== null && typeof v === 'object' ? v : {}));
}

/** Attribute `name` of `node` as a number, or `undefined` when absent, empty or not numeric. */
export function numberAttr(node: XmlNode, name: string): number | undefined {
  const raw = node[name];
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const n = Number(raw.replace(/,/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

/** Whether `node` has a child element named `tag` (including self-closing ones). */
export function has(node: XmlNode, tag: string): boolean {
  return node[tag] !== undefined;
}
