/*
 * Analysis templates: the `analysis:` section of runway.yaml, validated into frozen data. Strings
 * in providers and conditions may still hold `{{ args.x }}` references; resolve-template.ts fills
 * them in when a run starts.
 */
import { argumentRefs, CONTEXT_ARGUMENTS, formatPath, stringsIn, type FieldPath } from './arguments.ts';
import { checkCondition } from './conditions.ts';
import { describe, FieldReader, formatAnalysisIssue, type AnalysisIssue } from './fields.ts';
import { parseJudge, type JudgeConfig } from './judge-metric.ts';
import { BUILTIN_METRICS, PROVIDER_KINDS, type ProviderQuery } from './provider.ts';

/** Defaults, as Argo Rollouts has them where it has one. */
export const METRIC_DEFAULTS = {
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  measurementRetention: 10,
  webTimeoutMs: 10_000,
  jobTimeoutMs: 5 * 60_000,
  builtinWindowMs: 60_000,
} as const;

/** A template argument; without a value the rollout must supply one. */
export interface TemplateArg {
  readonly name: string;
  readonly value?: string;
}

/** One metric of a template, defaults filled in; durations in milliseconds. */
export interface MetricTemplate {
  readonly name: string;
  /** What to ask; strings may hold `{{ args.x }}` references. */
  readonly provider: ProviderQuery;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly intervalMs?: number;
  /** Measurements to take; absent (or 0 in YAML) means 1 without an interval, unbounded with one. */
  readonly count?: number;
  readonly initialDelayMs: number;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  /**
   * Failed when failed measurements in a row exceed it ("above 0.5% for 5 consecutive minutes":
   * interval 1m, consecutiveFailureLimit 4). Without an explicit failureLimit, failures that are
   * not in a row are then tolerated (failureLimit −1).
   */
  readonly consecutiveFailureLimit?: number;
  readonly dryRun: boolean;
  readonly measurementRetention: number;
  /** Decides the metric from both versions' counters instead of conditions (judge-metric.ts). */
  readonly judge?: JudgeConfig;
}

/** A named analysis template. */
export interface AnalysisTemplate {
  readonly name: string;
  readonly args: readonly TemplateArg[];
  readonly metrics: readonly MetricTemplate[];
}

/** The `analysis:` section could not be used; carries every issue with its field path. */
export class AnalysisConfigError extends Error {
  readonly issues: readonly AnalysisIssue[];
  constructor(issues: readonly AnalysisIssue[]) {
    super(issues.map(formatAnalysisIssue).join('\n'));
    this.name = 'AnalysisConfigError';
    this.issues = issues;
  }
}

const TEMPLATE_KEYS = ['args', 'metrics'] as const;
const ARG_KEYS = ['name', 'value'] as const;
const METRIC_KEYS = [
  'name',
  'provider',
  'successCondition',
  'success',
  'failureCondition',
  'failure',
  'interval',
  'count',
  'initialDelay',
  'failureLimit',
  'inconclusiveLimit',
  'consecutiveErrorLimit',
  'consecutiveFailureLimit',
  'dryRun',
  'measurementRetention',
  'judge',
] as const;
const PROVIDER_KEYS = {
  prometheus: ['query', 'address'],
  web: ['url', 'method', 'headers', 'body', 'jsonBody', 'jsonPath', 'timeoutMs', 'timeoutSeconds'],
  job: ['run', 'spec', 'timeout'],
  builtin: ['metric', 'version', 'window'],
} as const;
const ARG_NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * Validates the `analysis:` section of runway.yaml; every problem is an issue naming its field.
 * @example parseAnalysisTemplates(yaml.parse(text).analysis).issues // [] when valid
 */
export function parseAnalysisTemplates(
  data: unknown,
  path: FieldPath = ['analysis'],
): { templates: Readonly<Record<string, AnalysisTemplate>>; issues: readonly AnalysisIssue[] } {
  const r = new FieldReader();
  const templates: Record<string, AnalysisTemplate> = {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    r.fail(path, `expected a map of template names to templates, got ${describe(data)}`);
    return { templates, issues: r.issues };
  }
  for (const [name, value] of Object.entries(data)) {
    const template = parseTemplate(r, name, value, [...path, name]);
    if (template) templates[name] = template;
  }
  return { templates: Object.freeze(templates), issues: r.issues };
}

/** Like parseAnalysisTemplates, but throws AnalysisConfigError when anything is wrong. */
export function loadAnalysisTemplates(
  data: unknown,
  path?: FieldPath,
): Readonly<Record<string, AnalysisTemplate>> {
  const { templates, issues } = parseAnalysisTemplates(data, path);
  if (issues.length > 0) throw new AnalysisConfigError(issues);
  return templates;
}

function parseTemplate(
  r: FieldReader,
  name: string,
  value: unknown,
  path: FieldPath,
): AnalysisTemplate | undefined {
  const before = r.issues.length;
  if (!ARG_NAME.test(name))
    r.fail(path, `template name "${name}" must start with a letter and use letters, digits, . _ -`);
  const obj = r.object(value, path, TEMPLATE_KEYS);
  if (!obj) return undefined;
  const args = parseArgs(r, obj.args, [...path, 'args']);
  if (!Array.isArray(obj.metrics) || obj.metrics.length === 0) {
    r.fail([...path, 'metrics'], `expected a non-empty list of metrics, got ${describe(obj.metrics)}`);
    return undefined;
  }
  const known = new Set<string>([...CONTEXT_ARGUMENTS, ...args.map((a) => a.name)]);
  const metrics: MetricTemplate[] = [];
  const seen = new Set<string>();
  obj.metrics.forEach((m: unknown, i: number) => {
    const metric = parseMetric(r, m, [...path, 'metrics', i], known);
    if (!metric) return;
    if (seen.has(metric.name))
      r.fail([...path, 'metrics', i, 'name'], `duplicate metric name "${metric.name}"`);
    seen.add(metric.name);
    metrics.push(metric);
  });
  if (r.issues.length > before) return undefined;
  return Object.freeze({ name, args: Object.freeze(args), metrics: Object.freeze(metrics) });
}

function parseArgs(r: FieldReader, value: unknown, path: FieldPath): TemplateArg[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    return r.fail(path, `expected a list of {name, value?}, got ${describe(value)}`) ?? [];
  const args: TemplateArg[] = [];
  value.forEach((item: unknown, i: number) => {
    const obj = r.object(item, [...path, i], ARG_KEYS);
    const name = obj && r.string(obj, 'name', [...path, i], true);
    if (!obj || !name) return;
    if (!ARG_NAME.test(name)) return r.fail([...path, i, 'name'], `"${name}" is not a valid argument name`);
    if (args.some((a) => a.name === name))
      return r.fail([...path, i, 'name'], `duplicate argument "${name}"`);
    const raw = obj.value;
    if (raw === undefined || raw === null) return void args.push({ name });
    if (!['string', 'number', 'boolean'].includes(typeof raw)) {
      return r.fail([...path, i, 'value'], `expected a string, number or boolean, got ${describe(raw)}`);
    }
    args.push({ name, value: String(raw) });
  });
  return args;
}

function parseMetric(
  r: FieldReader,
  value: unknown,
  path: FieldPath,
  known: Set<string>,
): MetricTemplate | undefined {
  const before = r.issues.length;
  const obj = r.object(value, path, METRIC_KEYS);
  if (!obj) return undefined;
  const name = r.string(obj, 'name', path, true);
  const judge = obj.judge === undefined ? undefined : parseJudge(r, obj.judge, [...path, 'judge']);
  const judged = obj.judge !== undefined;
  const provider = parseProvider(r, obj.provider, [...path, 'provider'], judged);
  const successCondition = condition(r, obj, path, 'successCondition', 'success');
  const failureCondition = condition(r, obj, path, 'failureCondition', 'failure');
  const intervalMs = r.duration(obj, 'interval', path, true);
  const count = r.integer(obj, 'count', path, 0) || undefined;
  const consecutiveFailureLimit = r.integer(obj, 'consecutiveFailureLimit', path, 0);
  const unlimited = consecutiveFailureLimit !== undefined ? -1 : METRIC_DEFAULTS.failureLimit;
  const limits = {
    failureLimit: r.integer(obj, 'failureLimit', path, 0) ?? unlimited,
    inconclusiveLimit: r.integer(obj, 'inconclusiveLimit', path, 0) ?? METRIC_DEFAULTS.inconclusiveLimit,
    consecutiveErrorLimit:
      r.integer(obj, 'consecutiveErrorLimit', path, 0) ?? METRIC_DEFAULTS.consecutiveErrorLimit,
  };
  const dryRun = r.boolean(obj, 'dryRun', path) ?? false;
  const spec = {
    initialDelayMs: r.duration(obj, 'initialDelay', path) ?? 0,
    ...limits,
    dryRun,
    measurementRetention:
      r.integer(obj, 'measurementRetention', path, 1) ?? METRIC_DEFAULTS.measurementRetention,
  };
  if (count !== undefined && count > 1 && intervalMs === undefined) {
    r.fail([...path, 'count'], `count ${count} needs an interval between measurements`);
  }
  if (count !== undefined && count < limits.failureLimit) {
    r.fail(
      [...path, 'failureLimit'],
      `failureLimit ${limits.failureLimit} can never be exceeded with count ${count}`,
    );
  }
  if (count !== undefined && count < limits.inconclusiveLimit) {
    r.fail(
      [...path, 'inconclusiveLimit'],
      `inconclusiveLimit ${limits.inconclusiveLimit} exceeds count ${count}`,
    );
  }
  if (judged) checkJudged(r, obj, path, intervalMs);
  if (
    !judged &&
    !dryRun &&
    successCondition === undefined &&
    failureCondition === undefined &&
    r.issues.length === before
  ) {
    r.fail(
      path,
      'a metric needs successCondition or failureCondition (or dryRun: true to only record values)',
    );
  }
  checkReferences(r, obj, path, judged ? new Set([...known, 'version']) : known);
  if (r.issues.length > before || !name || !provider) return undefined;
  return Object.freeze({
    name,
    provider,
    ...(successCondition !== undefined && { successCondition }),
    ...(failureCondition !== undefined && { failureCondition }),
    ...(intervalMs !== undefined && { intervalMs }),
    ...(count !== undefined && { count }),
    ...spec,
    ...(consecutiveFailureLimit !== undefined && { consecutiveFailureLimit }),
    ...(judge && { judge }),
  });
}

/** A judged metric: no conditions, and an interval so the judge keeps watching. */
function checkJudged(
  r: FieldReader,
  obj: Readonly<Record<string, unknown>>,
  path: FieldPath,
  intervalMs: number | undefined,
): void {
  for (const key of ['successCondition', 'success', 'failureCondition', 'failure']) {
    if (obj[key] !== undefined)
      r.fail([...path, key], 'a metric with a judge takes no conditions: the judge decides');
  }
  if (intervalMs === undefined && obj.interval === undefined) {
    r.fail(
      path,
      'a metric with a judge needs an interval: it scrapes both versions that often and keeps watching',
    );
  }
}

function condition(
  r: FieldReader,
  obj: Readonly<Record<string, unknown>>,
  path: FieldPath,
  long: string,
  short: string,
): string | undefined {
  if (obj[long] !== undefined && obj[short] !== undefined) {
    return r.fail([...path, short], `give either ${long} or ${short}, not both`);
  }
  const key = obj[short] !== undefined ? short : long;
  const source = r.string(obj, key, path);
  if (source === undefined) return undefined;
  const problem = checkCondition(source.replace(/(?<!\$)\{\{[^}]*\}\}/g, '0'));
  return problem ? r.fail([...path, key], `${problem} in ${JSON.stringify(source)}`) : source.trim();
}

function parseProvider(
  r: FieldReader,
  value: unknown,
  path: FieldPath,
  judged = false,
): ProviderQuery | undefined {
  const obj = r.object(value, path, PROVIDER_KINDS);
  if (!obj) return undefined;
  const kinds = PROVIDER_KINDS.filter((k) => obj[k] !== undefined);
  if (kinds.length !== 1) {
    return r.fail(path, `expected exactly one provider of ${PROVIDER_KINDS.join(', ')}, got ${kinds.length}`);
  }
  const kind = kinds[0] as (typeof PROVIDER_KINDS)[number];
  const at = [...path, kind];
  if (judged && kind !== 'builtin' && kind !== 'prometheus') {
    return r.fail(
      at,
      `a judge reads both versions' counters, which the builtin and prometheus providers supply; ${kind} cannot`,
    );
  }
  if (judged && kind === 'prometheus') return parseCounterQueries(r, obj[kind], at);
  const p = r.object(obj[kind], at, PROVIDER_KEYS[kind]);
  if (!p) return undefined;
  switch (kind) {
    case 'prometheus': {
      const query = r.string(p, 'query', at, true);
      const address = url(r, p, 'address', at);
      return query ? { kind, query, ...(address && { address }) } : undefined;
    }
    case 'web':
      return parseWeb(r, p, at);
    case 'job': {
      const run = r.string(p, 'run', at);
      const spec = p.spec === undefined ? undefined : opaqueMap(r, p.spec, [...at, 'spec']);
      if ((run === undefined) === (spec === undefined))
        return r.fail(at, 'expected exactly one of run or spec');
      const timeoutMs = r.duration(p, 'timeout', at, true) ?? METRIC_DEFAULTS.jobTimeoutMs;
      return { kind, ...(run !== undefined && { run }), ...(spec !== undefined && { spec }), timeoutMs };
    }
    case 'builtin': {
      if (judged) {
        if (p.metric !== undefined && p.metric !== 'counters') {
          return r.fail(
            [...at, 'metric'],
            `a judged metric reads counters, not ${describe(p.metric)}; leave metric out`,
          );
        }
        return { kind, metric: 'counters', version: 'canary', windowMs: 0 };
      }
      const metric = r.oneOf(p, 'metric', at, BUILTIN_METRICS) ?? r.fail([...at, 'metric'], 'is required');
      const version = r.oneOf(p, 'version', at, ['canary', 'stable'] as const) ?? 'canary';
      const windowMs = r.duration(p, 'window', at, true) ?? METRIC_DEFAULTS.builtinWindowMs;
      return metric ? { kind, metric, version, windowMs } : undefined;
    }
  }
}

/** A judged metric's Prometheus queries: one per counter, each asked once per version. */
function parseCounterQueries(r: FieldReader, value: unknown, at: FieldPath): ProviderQuery | undefined {
  const p = r.object(value, at, ['requests', 'errors', 'buckets', 'address']);
  if (!p) return undefined;
  const before = r.issues.length;
  const requests = r.string(p, 'requests', at, true);
  const errors = r.string(p, 'errors', at, true);
  const buckets = r.string(p, 'buckets', at);
  const address = url(r, p, 'address', at);
  for (const key of ['requests', 'errors', 'buckets']) {
    const text = p[key];
    if (typeof text === 'string' && !argumentRefs(text).includes('version')) {
      r.fail([...at, key], 'a judge asks this query once per version: it needs {{version}} in its selector');
    }
  }
  if (r.issues.length > before || !requests || !errors) return undefined;
  const counters = { requests, errors, ...(buckets !== undefined && { buckets }) };
  return { kind: 'prometheus', query: requests, ...(address && { address }), counters };
}

function parseWeb(
  r: FieldReader,
  p: Readonly<Record<string, unknown>>,
  at: FieldPath,
): ProviderQuery | undefined {
  const target = url(r, p, 'url', at, true);
  const method = r.oneOf(p, 'method', at, ['GET', 'POST', 'PUT'] as const) ?? 'GET';
  const headers = parseHeaders(r, p.headers, [...at, 'headers']);
  if (p.body !== undefined && p.jsonBody !== undefined)
    r.fail([...at, 'jsonBody'], 'give either body or jsonBody');
  const body = p.jsonBody !== undefined ? JSON.stringify(p.jsonBody) : r.string(p, 'body', at);
  if (p.timeoutMs !== undefined && p.timeoutSeconds !== undefined) {
    r.fail([...at, 'timeoutSeconds'], 'give either timeoutMs or timeoutSeconds');
  }
  const seconds = r.integer(p, 'timeoutSeconds', at, 1);
  const timeoutMs =
    r.integer(p, 'timeoutMs', at, 1) ?? (seconds ? seconds * 1000 : METRIC_DEFAULTS.webTimeoutMs);
  const jsonPath = r.string(p, 'jsonPath', at);
  if (!target || !headers) return undefined;
  return {
    kind: 'web',
    url: target,
    method,
    headers,
    ...(body !== undefined && { body }),
    ...(jsonPath !== undefined && { jsonPath }),
    timeoutMs,
  };
}

function parseHeaders(r: FieldReader, value: unknown, path: FieldPath): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object')
    return r.fail(path, `expected a map of header names to values, got ${describe(value)}`);
  const pairs: [string, unknown, FieldPath][] = Array.isArray(value)
    ? value.map((h: unknown, i: number) => {
        const obj = r.object(h, [...path, i], ['key', 'value']);
        return [typeof obj?.key === 'string' ? obj.key : '', obj?.value, [...path, i]];
      })
    : Object.entries(value).map(([k, v]) => [k, v, [...path, k]]);
  const headers: Record<string, string> = {};
  for (const [key, v, at] of pairs) {
    if (key === '' || typeof v !== 'string') return r.fail(at, 'a header needs a name and a string value');
    headers[key] = v;
  }
  return headers;
}

function opaqueMap(
  r: FieldReader,
  value: unknown,
  path: FieldPath,
): Readonly<Record<string, unknown>> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return r.fail(path, `expected a map (a Kubernetes Job spec), got ${describe(value)}`);
  }
  return value as Readonly<Record<string, unknown>>;
}

function url(
  r: FieldReader,
  obj: Readonly<Record<string, unknown>>,
  key: string,
  path: FieldPath,
  required = false,
): string | undefined {
  const text = r.string(obj, key, path, required);
  if (text === undefined) return undefined;
  const probe = text.replace(/(?<!\$)\{\{[^}]*\}\}/g, 'x');
  if (!URL.canParse(probe) || !/^https?:$/.test(new URL(probe).protocol)) {
    return r.fail([...path, key], `expected an http or https URL, got ${JSON.stringify(text)}`);
  }
  return text;
}

function checkReferences(
  r: FieldReader,
  obj: Readonly<Record<string, unknown>>,
  path: FieldPath,
  known: Set<string>,
): void {
  const fields = ['provider', 'successCondition', 'success', 'failureCondition', 'failure'];
  for (const field of fields) {
    for (const { text, path: at } of stringsIn(obj[field], [...path, field])) {
      for (const name of argumentRefs(text)) {
        if (known.has(name)) continue;
        const declared = [...known].filter((k) => !(CONTEXT_ARGUMENTS as readonly string[]).includes(k));
        r.fail(
          at,
          `unknown argument "${name}"; declare it under ${formatPath([...path.slice(0, -2), 'args'])}` +
            ` (declared: ${declared.join(', ') || 'none'}; always available: ${CONTEXT_ARGUMENTS.join(', ')})`,
        );
      }
    }
  }
}
