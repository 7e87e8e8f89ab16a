import { compileExpression, compileTemplate, toCelValue } from './cel-expression.ts';
import type { CelExpression, CelTemplate, PolicyContext } from './cel-expression.ts';
import { errorText, toDecision } from './decision.ts';
import type { Findings } from './decision.ts';
import type { GateInput } from './gate-input.ts';
import { contentDigest } from './input-digest.ts';
import type { Decision, Policy } from './policy.ts';

/** A rule that denies the release when `when` is true. `message` is text with optional `${{ expr }}` parts. */
export interface DenyRuleDefinition {
  name: string;
  when: string;
  message: string;
  /** Whether an audited override may set the violation aside (default true). */
  overridable?: boolean;
}

/** A rule that warns without blocking when `when` is true. */
export interface WarnRuleDefinition {
  name: string;
  when: string;
  message: string;
}

/** Picks a rollout strategy; the first rule whose `when` is true wins. */
export interface StrategyRuleDefinition {
  when: string;
  use: string;
}

/** A release policy written as data; every expression is CEL over `input` (a map) and `now` (a timestamp). */
export interface PolicyDocument {
  name: string;
  deny?: DenyRuleDefinition[];
  warn?: WarnRuleDefinition[];
  strategy?: StrategyRuleDefinition[];
  /** The strategy when no strategy rule matches. */
  defaultStrategy?: string;
}

/** A malformed policy document; `path` names the field, such as `policy.deny[2].when`. */
export class PolicyDefinitionError extends Error {
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'PolicyDefinitionError';
    this.path = path;
  }
}

interface CompiledRule {
  name: string;
  when: CelExpression;
  message: CelTemplate;
  overridable: boolean;
}

interface CompiledStrategy {
  label: string;
  when: CelExpression;
  use: string;
}

const DOCUMENT_KEYS = ['name', 'deny', 'warn', 'strategy', 'defaultStrategy'];
const DENY_KEYS = ['name', 'when', 'message', 'overridable'];
const WARN_KEYS = ['name', 'when', 'message'];
const STRATEGY_KEYS = ['when', 'use'];
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * A policy whose rules are CEL expressions, compiled once at construction (a malformed document
 * throws PolicyDefinitionError). Evaluation fails closed: a rule that errors, gives a non-boolean or
 * reads a missing field becomes a violation "rule X could not be evaluated: …".
 * @example new CelPolicy({ name: 'p', deny: [{ name: 'p1', when: 'input.slo.active_p1_incidents > 0', message: 'P1 open' }] })
 */
export class CelPolicy implements Policy {
  readonly name: string;
  readonly version: string;
  readonly #deny: CompiledRule[];
  readonly #warn: CompiledRule[];
  readonly #strategy: CompiledStrategy[];
  readonly #defaultStrategy: string | undefined;

  constructor(document: PolicyDocument) {
    const doc = asObject(document, 'policy', DOCUMENT_KEYS);
    this.name = checkName(doc['name'], 'policy.name');
    const names = new Set<string>();
    this.#deny = list(doc['deny'], 'policy.deny').map((raw, i) =>
      compileRule(raw, `policy.deny[${i}]`, names, true),
    );
    this.#warn = list(doc['warn'], 'policy.warn').map((raw, i) =>
      compileRule(raw, `policy.warn[${i}]`, names, false),
    );
    this.#strategy = list(doc['strategy'], 'policy.strategy').map((raw, i) => compileStrategy(raw, i));
    this.#defaultStrategy =
      doc['defaultStrategy'] === undefined
        ? undefined
        : checkName(doc['defaultStrategy'], 'policy.defaultStrategy');
    this.version = contentDigest(document);
  }

  /** Evaluates synchronously; never throws. */
  decide(input: GateInput, now: Date): Decision {
    const findings: Findings = { violations: [], warnings: [] };
    const isMap = input !== null && typeof input === 'object' && !Array.isArray(input);
    if (!isMap)
      findings.violations.push({ rule: 'input', message: 'input is not an object', overridable: false });
    const ctx: PolicyContext = { input: (isMap ? toCelValue(input) : {}) as Record<string, unknown>, now };

    for (const rule of this.#deny) {
      const result = test(rule.when, ctx);
      if (typeof result === 'string')
        findings.violations.push(unevaluated(rule.name, result, rule.overridable));
      else if (result) {
        findings.violations.push({
          rule: rule.name,
          message: render(rule, ctx),
          overridable: rule.overridable,
        });
      }
    }
    for (const rule of this.#warn) {
      const result = test(rule.when, ctx);
      if (typeof result === 'string') findings.violations.push(unevaluated(rule.name, result, true));
      else if (result) findings.warnings.push({ rule: rule.name, message: render(rule, ctx) });
    }
    this.#pickStrategy(ctx, findings);
    return toDecision(this, input, now, findings);
  }

  #pickStrategy(ctx: PolicyContext, findings: Findings): void {
    for (const rule of this.#strategy) {
      const result = test(rule.when, ctx);
      if (typeof result === 'string') {
        findings.violations.push(unevaluated(rule.label, result, false));
        return;
      }
      if (result) {
        findings.strategy = rule.use;
        return;
      }
    }
    findings.strategy = this.#defaultStrategy;
  }

  /** Evaluates the policy; the Policy contract's asynchronous form of `decide`. */
  evaluate(input: GateInput, now: Date): Promise<Decision> {
    try {
      return Promise.resolve(this.decide(input, now));
    } catch (err) {
      const violation = { rule: 'policy', message: `policy failed: ${errorText(err)}`, overridable: false };
      return Promise.resolve(toDecision(this, input, now, { violations: [violation], warnings: [] }));
    }
  }
}

function test(when: CelExpression, ctx: PolicyContext): boolean | string {
  try {
    const value = when.run(ctx);
    if (typeof value === 'boolean') return value;
    return `when gave ${describe(value)}, expected true or false`;
  } catch (err) {
    return errorText(err);
  }
}

function render(rule: CompiledRule, ctx: PolicyContext): string {
  try {
    return rule.message.render(ctx);
  } catch (err) {
    return `rule ${rule.name} matched, but its message could not be rendered: ${errorText(err)}`;
  }
}

function unevaluated(rule: string, reason: string, overridable: boolean) {
  return { rule, message: `rule ${rule} could not be evaluated: ${reason}`, overridable };
}

function compileRule(raw: unknown, path: string, names: Set<string>, deny: boolean): CompiledRule {
  const r = asObject(raw, path, deny ? DENY_KEYS : WARN_KEYS);
  const name = checkName(r['name'], `${path}.name`);
  if (names.has(name)) throw new PolicyDefinitionError(`${path}.name`, `duplicate rule name "${name}"`);
  names.add(name);
  const overridable = r['overridable'] ?? true;
  if (typeof overridable !== 'boolean') {
    throw new PolicyDefinitionError(
      `${path}.overridable`,
      `must be true or false, got ${describe(overridable)}`,
    );
  }
  return {
    name,
    when: field(path, 'when', name, () => compileExpression(r['when'] as string, 'bool')),
    message: field(path, 'message', name, () => compileTemplate(r['message'] as string)),
    overridable,
  };
}

function compileStrategy(raw: unknown, i: number): CompiledStrategy {
  const path = `policy.strategy[${i}]`;
  const r = asObject(raw, path, STRATEGY_KEYS);
  const use = checkName(r['use'], `${path}.use`);
  return {
    label: `strategy[${i}]`,
    when: field(path, 'when', `strategy[${i}]`, () => compileExpression(r['when'] as string, 'bool')),
    use,
  };
}

function field<T>(path: string, key: string, rule: string, compile: () => T): T {
  try {
    return compile();
  } catch (err) {
    throw new PolicyDefinitionError(`${path}.${key}`, `${errorText(err)} (rule "${rule}")`);
  }
}

function asObject(raw: unknown, path: string, keys: string[]): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyDefinitionError(path, `must be an object, got ${describe(raw)}`);
  }
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) {
      throw new PolicyDefinitionError(`${path}.${key}`, `unknown key (expected one of ${keys.join(', ')})`);
    }
  }
  return raw as Record<string, unknown>;
}

function list(raw: unknown, path: string): unknown[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new PolicyDefinitionError(path, `must be a list, got ${describe(raw)}`);
  return raw;
}

function checkName(raw: unknown, path: string): string {
  if (typeof raw !== 'string' || !NAME.test(raw)) {
    throw new PolicyDefinitionError(path, `must be a lowercase name like "coverage", got ${describe(raw)}`);
  }
  return raw;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}`;
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
