import { Environment } from '@marcbachmann/cel-js';
import { checkMatchesCalls } from '../engine/linear-regex.ts';
import type { RawMeasurement } from './provider.ts';

/** A metric's CEL conditions over `result`; either may be absent. */
export interface Conditions {
  readonly successCondition?: string;
  readonly failureCondition?: string;
}

/** The verdict on one measurement and why. */
export interface Judgement {
  readonly phase: 'successful' | 'failed' | 'inconclusive' | 'error';
  readonly message: string;
}

const env = withFunctions('dyn');
/** The same functions with `result` typed as a string: a condition that checks here reads text. */
const stringEnv = withFunctions('string');
const readsText = new Map<string, boolean>();

function withFunctions(resultType: 'dyn' | 'string'): Environment {
  return new Environment({ homogeneousAggregateLiterals: false })
    .registerVariable('result', resultType)
    .registerFunction('isNaN(dyn): bool', (x: unknown) => typeof x === 'number' && Number.isNaN(x))
    .registerFunction('isInf(dyn): bool', (x: unknown) => x === Infinity || x === -Infinity)
    .registerFunction('isNil(dyn): bool', (x: unknown) => x === null || x === undefined)
    .registerFunction('default(dyn, dyn): dyn', (x: unknown, d: unknown) =>
      x === null || x === undefined ? d : x,
    )
    .registerFunction('asFloat(dyn): double', (x: unknown) => toNumber(x, 'asFloat'))
    .registerFunction('asInt(dyn): int', (x: unknown) => BigInt(Math.trunc(toNumber(x, 'asInt'))))
    .registerFunction('len(dyn): int', (x: unknown) => BigInt(sizeOf(x)));
}

type Compiled = (ctx: { result: unknown }) => unknown;
const cache = new Map<string, Compiled>();

/** Why a condition cannot be used (bad syntax, unknown name, not a bool), or undefined when it can. */
export function checkCondition(source: string): string | undefined {
  try {
    const checked = env.check(source);
    if (!checked.valid) return firstLine(checked.error);
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      return `a condition must be true or false, but this is a ${checked.type}`;
    }
    checkMatchesCalls(env.parse(source).ast);
    return undefined;
  } catch (err) {
    return firstLine(err);
  }
}

/**
 * Evaluates a condition with `result` bound to `value`. A one-sample vector reads both ways: a list
 * of one number is tried as that number, then as the list; a number is tried as itself, then as a
 * list of one. So `result < 0.02` and Argo's `result[0] < 0.02` both work whichever way a provider
 * reports a single sample. A numeric string (a job's stdout line, a JSON string) reads as its number
 * when the condition does not read `result` as text, so `result < 0.02` holds on `"0.001"`.
 * @example evaluateCondition('result < 0.02', [0.01]) // true
 */
export function evaluateCondition(source: string, measured: unknown): boolean {
  const value = asNumberIfCompared(source, measured);
  const single = Array.isArray(value) && value.length === 1 && typeof value[0] === 'number';
  if (!single && typeof value !== 'number') return run(source, value);
  try {
    return run(source, single ? value[0] : value);
  } catch (err) {
    try {
      return run(source, single ? value : [value]);
    } catch {
      throw err;
    }
  }
}

/**
 * Judges one raw measurement as Argo Rollouts does: an error stays an error; no conditions is
 * successful; only a success condition fails when false; only a failure condition succeeds when
 * false; with both, neither holding is inconclusive and a true failure condition wins.
 */
export function judge(raw: RawMeasurement, conditions: Conditions): Judgement {
  if ('error' in raw) return { phase: 'error', message: raw.error };
  const { successCondition: success, failureCondition: failure } = conditions;
  const shown = formatValue(raw.value);
  if (success === undefined && failure === undefined) {
    return { phase: 'successful', message: `no conditions; recorded ${shown}` };
  }
  let succeeded = false;
  let failed = false;
  try {
    if (success !== undefined) succeeded = evaluateCondition(success, raw.value);
  } catch (err) {
    return { phase: 'error', message: evaluationError('successCondition', success ?? '', raw.value, err) };
  }
  try {
    if (failure !== undefined) failed = evaluateCondition(failure, raw.value);
  } catch (err) {
    return { phase: 'error', message: evaluationError('failureCondition', failure ?? '', raw.value, err) };
  }
  if (failure === undefined) {
    return succeeded
      ? { phase: 'successful', message: `${success} holds for ${shown}` }
      : { phase: 'failed', message: `${success} is false for ${shown}` };
  }
  if (failed) return { phase: 'failed', message: `failure condition ${failure} holds for ${shown}` };
  if (success === undefined) return { phase: 'successful', message: `${failure} is false for ${shown}` };
  return succeeded
    ? { phase: 'successful', message: `${success} holds for ${shown}` }
    : { phase: 'inconclusive', message: `neither ${success} nor ${failure} holds for ${shown}` };
}

/**
 * Renders a measured value for explanations: numbers to 4 significant digits, NaN and infinities
 * as Prometheus writes them, everything else as short JSON.
 * @example formatValue([0.031234]) // '[0.03123]'
 */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    return `[${value.map(formatNumber).join(', ')}]`;
  }
  if (value === undefined) return 'no value';
  const text = JSON.stringify(jsonSafe(value)) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * A copy of a measured value that survives JSON: non-finite numbers become `NaN`, `+Inf`, `-Inf`
 * (as Prometheus writes them), bigints become numbers, undefined becomes null.
 */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return '+Inf';
    if (value === -Infinity) return '-Inf';
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

function asNumberIfCompared(source: string, value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const n = Number(value.trim());
  if (Number.isNaN(n)) return value;
  let text = readsText.get(source);
  if (text === undefined) {
    try {
      text = stringEnv.check(source).valid;
    } catch {
      text = false;
    }
    readsText.set(source, text);
  }
  return text ? value : n;
}

function run(source: string, value: unknown): boolean {
  const out = compile(source)({ result: value });
  if (typeof out !== 'boolean') throw new Error(`gave ${formatValue(out)}, expected true or false`);
  return out;
}

function compile(source: string): Compiled {
  const hit = cache.get(source);
  if (hit) return hit;
  const problem = checkCondition(source);
  if (problem) throw new Error(problem);
  const parsed = env.parse(source);
  const fn: Compiled = (ctx) => parsed(ctx);
  cache.set(source, fn);
  return fn;
}

function evaluationError(field: string, source: string, value: unknown, err: unknown): string {
  const empty = value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  const why = empty ? 'no data: the provider returned an empty result' : firstLine(err);
  return `could not evaluate ${field} ${source} on ${formatValue(value)}: ${why}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(Number.isInteger(n) ? n : Number(n.toPrecision(4)));
}

function toNumber(x: unknown, fn: string): number {
  if (typeof x === 'string' && x.trim() === 'NaN') return NaN;
  const n = typeof x === 'string' ? Number(x.trim()) : typeof x === 'bigint' ? Number(x) : x;
  if (typeof n !== 'number' || (typeof x === 'string' && (x.trim() === '' || Number.isNaN(n)))) {
    throw new Error(`${fn}() cannot convert ${formatValue(x)}`);
  }
  return n;
}

function sizeOf(x: unknown): number {
  if (typeof x === 'string' || Array.isArray(x)) return x.length;
  if (x !== null && typeof x === 'object') return Object.keys(x).length;
  throw new Error(`len() needs a list, map or string, not ${formatValue(x)}`);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
