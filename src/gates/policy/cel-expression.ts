import { Environment } from '@marcbachmann/cel-js';
import { checkMatchesCalls, PatternError } from '../../engine/linear-regex.ts';
import { canonicalJson } from './input-digest.ts';

const env = new Environment({ homogeneousAggregateLiterals: false })
  .registerVariable('input', 'map', { description: 'the gate input' })
  .registerVariable('now', 'google.protobuf.Timestamp', { description: 'the time of the decision' });

/** Values a policy expression sees: the gate input as a map and the decision time. */
export interface PolicyContext {
  input: Record<string, unknown>;
  now: Date;
}

/** A compiled policy expression; `run` throws an Error whose message explains what failed. */
export interface CelExpression {
  source: string;
  run(ctx: PolicyContext): unknown;
}

/** A message: literal text with `${{ expr }}` parts. */
export interface CelTemplate {
  render(ctx: PolicyContext): string;
}

/**
 * Parses and type-checks a policy expression over `input` and `now`; throws with the reason
 * and column when it is malformed.
 * @example compileExpression('input.gates.quality.coverage < 80')
 */
export function compileExpression(source: string, expect?: 'bool'): CelExpression {
  if (typeof source !== 'string' || source.trim() === '') throw new Error('must be a CEL expression');
  let parsed: ReturnType<typeof env.parse>;
  try {
    parsed = env.parse(source);
    const checked = parsed.check();
    if (!checked.valid) throw checked.error;
    if (expect === 'bool' && checked.type !== 'bool' && checked.type !== 'dyn') {
      throw new Error(`must be true or false, but this is a ${checked.type}`);
    }
    checkMatchesCalls(parsed.ast);
  } catch (err) {
    if (err instanceof PatternError) throw new Error(`${err.message} (column ${err.offset + 1})`);
    throw new Error(celErrorText(err, source));
  }
  return {
    source,
    run: (ctx) => {
      try {
        return parsed(ctx);
      } catch (err) {
        throw new Error(celErrorText(err, source));
      }
    },
  };
}

/**
 * Compiles a message template: literal text in which each `${{ expr }}` is replaced by its value.
 * @example compileTemplate('coverage ${{ input.gates.quality.coverage }}% is too low')
 */
export function compileTemplate(text: string): CelTemplate {
  if (typeof text !== 'string' || text === '')
    throw new Error('must be text, optionally with ${{ expr }} parts');
  const pieces: (string | CelExpression)[] = [];
  const re = /\$\{\{([\s\S]*?)\}\}/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    pieces.push(text.slice(at, m.index), compileExpression((m[1] ?? '').trim()));
    at = m.index + m[0].length;
  }
  pieces.push(text.slice(at));
  return { render: (ctx) => pieces.map((p) => (typeof p === 'string' ? p : show(p.run(ctx)))).join('') };
}

/** Turns a gate input into what CEL sees: plain JSON values; `undefined` and NaN members are missing (null in lists). */
export function toCelValue(value: unknown): unknown {
  if (value === undefined || (typeof value === 'number' && Number.isNaN(value))) return undefined;
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => toCelValue(v) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const converted = toCelValue(v);
    if (converted !== undefined) out[k] = converted;
  }
  return out;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return canonicalJson(value);
}

function celErrorText(err: unknown, source: string): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { summary?: unknown; range?: { start: number; end: number } };
  const summary = typeof e.summary === 'string' ? e.summary : (e.message.split('\n')[0] ?? e.message);
  const missing = /^No such key: /.test(summary) && e.range ? missingPath(source, e.range.end) : undefined;
  if (missing) return `${missing} is missing`;
  return e.range ? `${summary} (column ${e.range.start + 1})` : summary;
}

function missingPath(source: string, end: number): string | undefined {
  const m = /\b(input(?:\s*\.\s*[A-Za-z_]\w*)+)$/.exec(source.slice(0, end));
  return m?.[1]?.replace(/\s+/g, '');
}
