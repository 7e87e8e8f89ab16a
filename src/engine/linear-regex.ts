import { setFlagsFromString } from 'node:v8';

// V8's linear-time engine: `l` patterns, and a fallback for any pattern that backtracks too much
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** A node of a parsed CEL expression, as `@marcbachmann/cel-js` exposes it. */
interface CelNode {
  op: string;
  args: unknown;
  start?: number;
}

/** A `matches` pattern that could take more than linear time; `offset` is 0-based in the expression. */
export class PatternError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'PatternError';
    this.offset = offset;
  }
}

/**
 * Checks that `pattern` runs in time linear in its input (no backreferences, no lookaround), so a
 * hostile value (a commit message, a header) cannot stall the process.
 * @example linearPattern('^(a+)+$') // fine: matched by the linear engine
 */
export function linearPattern(pattern: string): RegExp {
  try {
    // eslint-disable-next-line no-invalid-regexp -- `l` is V8's linear-engine flag, enabled above
    return new RegExp(pattern, 'l');
  } catch (err) {
    const why = /Cannot be executed in linear time/.test(String((err as Error).message))
      ? 'backreferences and lookaround are not supported (patterns must match in linear time, as in RE2)'
      : String((err as Error).message).replace(/^Invalid regular expression: /, '');
    throw new Error(`invalid pattern ${JSON.stringify(pattern)}: ${why}`, { cause: err });
  }
}

/**
 * Walks a parsed expression and refuses every `matches()` whose pattern is not a literal that
 * matches in linear time; a pattern computed at run time could not be checked beforehand.
 */
export function checkMatchesCalls(ast: unknown): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object' || !('op' in node)) return;
    const n = node as CelNode;
    if ((n.op === 'rcall' || n.op === 'call') && Array.isArray(n.args) && n.args[0] === 'matches') {
      const callArgs = (n.op === 'rcall' ? n.args[2] : n.args[1]) as CelNode[] | undefined;
      const pattern = n.op === 'rcall' ? callArgs?.[0] : callArgs?.[1];
      if (pattern) checkPattern(pattern);
    }
    visit(n.args);
  };
  visit(ast);
}

function checkPattern(node: CelNode): void {
  const at = node.start ?? 0;
  if (node.op !== 'value' || typeof node.args !== 'string') {
    throw new PatternError(
      'matches() needs a literal string pattern, so it can be checked before it runs',
      at,
    );
  }
  try {
    linearPattern(node.args);
  } catch (err) {
    throw new PatternError((err as Error).message, at);
  }
}
