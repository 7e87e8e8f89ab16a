import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';

/** Largest pipeline file read, in bytes. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Most values a file may stand for once every alias is expanded. */
export const MAX_EXPANDED_VALUES = 1_000_000;
/** Deepest nesting of mappings and lists. */
export const MAX_DEPTH = 100;

/** A problem found in the YAML structure, at a character offset. */
export interface YamlLimitIssue {
  offset: number;
  message: string;
}

/**
 * Checks a parsed document in one linear pass: each key once per mapping, every alias naming an
 * anchor set before it, nesting and alias expansion within limits (a "billion laughs" file is an
 * error, an anchor reused a hundred times is fine). Stops at the first structural limit.
 */
export function yamlLimitIssues(doc: Document): YamlLimitIssue[] {
  const issues: YamlLimitIssue[] = [];
  const sizes = new Map<Node, number>();
  let total = 0;
  let overflow: YamlLimitIssue | undefined;

  const size = (node: unknown, depth: number): number => {
    if (overflow || node == null) return 0;
    const at = (node as Node).range?.[0] ?? 0;
    if (depth > MAX_DEPTH) {
      overflow = { offset: at, message: `nested deeper than ${MAX_DEPTH} levels` };
      return 0;
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        issues.push({
          offset: at,
          message: `alias *${node.source} names no anchor &${node.source} set before it`,
        });
        return 0;
      }
      return add(sizes.get(target) ?? 1, at);
    }
    let n = 1;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const key = String(pair.key.value);
          if (seen.has(key)) {
            issues.push({
              offset: pair.key.range?.[0] ?? at,
              message: `Map keys must be unique — each key may appear once ("${key}")`,
            });
          }
          seen.add(key);
        }
        n += size(pair.key, depth + 1) + size(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) n += size(item, depth + 1);
    } else if (isPair(node)) {
      n += size(node.key, depth + 1) + size(node.value, depth + 1);
    } else {
      add(1, at);
    }
    if ((node as Node & { anchor?: string }).anchor) sizes.set(node as Node, n);
    return n;
  };

  const add = (n: number, at: number): number => {
    total += n;
    if (total > MAX_EXPANDED_VALUES && !overflow) {
      overflow = {
        offset: at,
        message: `the file stands for more than ${MAX_EXPANDED_VALUES.toLocaleString('en')} values once its aliases are expanded — expected a pipeline, not an alias bomb`,
      };
    }
    return n;
  };

  size(doc.contents, 0);
  return overflow ? [overflow] : issues;
}
