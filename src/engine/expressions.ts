import { Environment } from '@marcbachmann/cel-js';
import { checkMatchesCalls, PatternError } from './linear-regex.ts';

/** Names an expression may read; anything else is a config error. */
export const CONTEXT_VARIABLES = [
  'sha',
  'ref',
  'branch',
  'message',
  'author',
  'committed_at',
  'trigger',
  'labels',
  'pull_request',
  'run',
  'env',
  'steps',
  'stages',
  'evidence',
  'secrets',
] as const;

/** The outcome so far of the stage or run an `if:` is evaluated in. */
export type StatusSoFar = 'success' | 'failure' | 'cancelled';

/** Values an expression is evaluated against. */
export type ExpressionContext = Record<(typeof CONTEXT_VARIABLES)[number], unknown>;

/** A CEL expression that could not be parsed or type-checked; `line`/`col` are 1-based within it. */
export class ExpressionError extends Error {
  readonly line: number;
  readonly col: number;
  constructor(message: string, line: number, col: number) {
    super(message);
    this.name = 'ExpressionError';
    this.line = line;
    this.col = col;
  }
}

const status = { current: 'success' as StatusSoFar };

const env = new Environment({ homogeneousAggregateLiterals: false });
const TYPES: Partial<Record<(typeof CONTEXT_VARIABLES)[number], string>> = {
  labels: 'list<string>',
  pull_request: 'int',
};
for (const name of CONTEXT_VARIABLES) {
  const type = ['run', 'env', 'steps', 'stages', 'evidence', 'secrets'].includes(name) ? 'map' : 'string';
  env.registerVariable(name, TYPES[name] ?? type);
}
env
  .registerFunction('success(): bool', () => status.current === 'success')
  .registerFunction('failure(): bool', () => status.current === 'failure')
  .registerFunction('cancelled(): bool', () => status.current === 'cancelled')
  .registerFunction('always(): bool', () => true);

type Compiled = (ctx: ExpressionContext) => unknown;
const cache = new Map<string, Compiled>();

/** Parses and type-checks an expression, throwing ExpressionError with its position. */
export function compile(source: string): Compiled {
  const hit = cache.get(source);
  if (hit) return hit;
  let fn: Compiled;
  try {
    const parsed = env.parse(source);
    const checked = parsed.check();
    if (!checked.valid) throw checked.error;
    checkMatchesCalls(parsed.ast);
    fn = (ctx) => parsed(ctx);
  } catch (err) {
    if (err instanceof PatternError) throw patternError(source, err);
    throw toExpressionError(err);
  }
  cache.set(source, fn);
  return fn;
}

/** Whether a condition decides for itself how earlier failures count (else it implies `success() && …`). */
export function usesStatusFunction(source: string): boolean {
  return /\b(success|failure|cancelled|always)\s*\(\s*\)/.test(source);
}

/** Parses a condition and checks it can only be true or false. */
export function compileCondition(source: string): void {
  compile(source);
  const type = env.check(source);
  if (type.valid && type.type !== 'bool' && type.type !== 'dyn') {
    throw new ExpressionError(`a condition must be true or false, but this is a ${type.type}`, 1, 1);
  }
}

/** Evaluates a condition; a non-boolean result is an error, never a silent truthy value. */
export function evaluateCondition(source: string, ctx: ExpressionContext, soFar: StatusSoFar): boolean {
  if (!usesStatusFunction(source) && soFar !== 'success') return false;
  status.current = soFar;
  const value = evaluate(source, ctx);
  if (typeof value !== 'boolean') {
    throw new Error(`condition ${JSON.stringify(source)} gave ${stringify(value)}, expected true or false`);
  }
  return value;
}

/** Evaluates an expression to a value. */
export function evaluate(source: string, ctx: ExpressionContext): unknown {
  try {
    return compile(source)(ctx);
  } catch (err) {
    if (err instanceof ExpressionError) throw err;
    throw new Error(`expression ${JSON.stringify(source)} failed: ${firstLine(err)}`);
  }
}

/** A `${{ expr }}` found in a string, with its character range. */
export interface TemplatePart {
  expr: string;
  start: number;
  end: number;
}

/** Finds every `${{ … }}` in a string. */
export function findTemplates(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const re = /\$\{\{([\s\S]*?)\}\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push({ expr: (m[1] ?? '').trim(), start: m.index, end: m.index + m[0].length });
  }
  return parts;
}

/** Replaces each `${{ expr }}` with its value as text (for env values, never for shell text). */
export function renderTemplate(text: string, ctx: ExpressionContext): string {
  let out = '';
  let at = 0;
  for (const part of findTemplates(text)) {
    out += text.slice(at, part.start) + stringify(evaluate(part.expr, ctx));
    at = part.end;
  }
  return out + text.slice(at);
}

/**
 * Turns a `run:` script's `${{ expr }}` into `${RUNWAY_EXPR_n}` references, so values reach the
 * shell as environment variables and are never parsed as shell text.
 * @example rewriteScript('echo "${{ message }}"') // { script: 'echo "${RUNWAY_EXPR_0}"', bindings: [...] }
 */
export function rewriteScript(text: string): { script: string; bindings: { name: string; expr: string }[] } {
  const bindings: { name: string; expr: string }[] = [];
  let script = '';
  let at = 0;
  for (const part of findTemplates(text)) {
    const name = `RUNWAY_EXPR_${bindings.length}`;
    bindings.push({ name, expr: part.expr });
    script += text.slice(at, part.start) + '${' + name + '}';
    at = part.end;
  }
  return { script: script + text.slice(at), bindings };
}

/** Renders an expression value as the text a step sees. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

function patternError(source: string, err: PatternError): ExpressionError {
  const before = source.slice(0, err.offset).split('\n');
  return new ExpressionError(err.message, before.length, (before.at(-1)?.length ?? 0) + 1);
}

function toExpressionError(err: unknown): ExpressionError {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n');
  let line = 1;
  let col = 1;
  const codeIdx = lines.findIndex((l) => /^>\s*\d+ \| /.test(l));
  const caret = codeIdx >= 0 ? lines[codeIdx + 1] : undefined;
  if (codeIdx >= 0 && caret !== undefined) {
    const code = lines[codeIdx] ?? '';
    const m = /^>\s*(\d+) \| /.exec(code);
    line = Number(m?.[1] ?? 1);
    col = Math.max(1, caret.indexOf('^') - (m?.[0].length ?? 0) + 1);
  }
  return new ExpressionError(lines[0] ?? text, line, col);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
