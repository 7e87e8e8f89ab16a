import { TextDecoder } from 'node:util';
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

/**
 * Decodes an XML file's bytes by its byte-order mark, else by the zero bytes of UTF-16 around the
 * opening `<`, else by the `encoding` of its declaration (UTF-8 when none); an unknown encoding is
 * an error naming it.
 * @example decodeXml(readFileSync('TEST-utf16.xml'), 'TEST-utf16.xml')
 */
export function decodeXml(bytes: Uint8Array, file: string): string {
  const [b0, b1, b2] = bytes;
  let label = 'utf-8';
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) label = 'utf-8';
  else if (b0 === 0xff && b1 === 0xfe) label = 'utf-16le';
  else if (b0 === 0xfe && b1 === 0xff) label = 'utf-16be';
  else if (b0 === 0x3c && b1 === 0x00) label = 'utf-16le';
  else if (b0 === 0x00 && b1 === 0x3c) label = 'utf-16be';
  else {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
    const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
    if (declared && !/^utf-?16/i.test(declared)) label = declared;
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new Error(`${file}: unsupported XML encoding "${label}"`);
  }
  try {
    return decoder.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new Error(`${file}: not valid ${label} text`);
  }
}
