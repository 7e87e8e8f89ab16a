import { ResolveError, substitute, substituteDeep } from './arguments.ts';
import type { MetricQuery } from './provider.ts';
import type { AnalysisTemplate, MetricTemplate } from './template.ts';

/** A metric ready to run: arguments substituted, overrides applied. */
export interface ResolvedMetric extends Omit<MetricTemplate, 'provider'> {
  /** The template the metric came from. */
  readonly template: string;
  readonly query: MetricQuery;
}

/** What a rollout step may override for every metric of its run (as its `failureLimit`, `interval`). */
export interface RunOverrides {
  readonly failureLimit?: number;
  readonly intervalMs?: number;
}

/**
 * Resolves templates into the metrics of one run. Arguments come from `args` (the rollout's
 * context and step arguments), then from the template's own defaults; a reference without a value
 * throws ResolveError naming the field.
 * @example resolveMetrics([smokeCheck], { service: 'checkout-api' })[0].query.provider // { kind: 'web', url: 'http://checkout-api.production:4000/health', ... }
 */
export function resolveMetrics(
  templates: readonly AnalysisTemplate[],
  args: Readonly<Record<string, string>>,
  overrides: RunOverrides = {},
): ResolvedMetric[] {
  checkOverrides(overrides);
  const metrics: ResolvedMetric[] = [];
  for (const template of templates) {
    const values = argumentValues(template, args);
    template.metrics.forEach((metric, i) => {
      const path = ['analysis', template.name, 'metrics', i];
      const clash = metrics.find((m) => m.name === metric.name);
      if (clash) {
        throw new ResolveError(
          [...path, 'name'],
          `metric "${metric.name}" is also in template "${clash.template}"; one run needs unique metric names`,
        );
      }
      metrics.push(Object.freeze(resolveMetric(template.name, metric, values, path, overrides)));
    });
  }
  return metrics;
}

function resolveMetric(
  template: string,
  metric: MetricTemplate,
  values: Readonly<Record<string, string>>,
  path: (string | number)[],
  overrides: RunOverrides,
): ResolvedMetric {
  const { provider, ...rest } = metric;
  const { kind, ...fields } = provider;
  const resolved = {
    kind,
    // a judged metric's queries keep {{version}}: the provider asks them once per version
    ...substituteDeep(fields, metric.judge ? { ...values, version: '{{version}}' } : values, [
      ...path,
      'provider',
      kind,
    ]),
  } as typeof provider;
  const condition = (key: 'successCondition' | 'failureCondition') => {
    const source = metric[key];
    return source === undefined ? {} : { [key]: substitute(source, values, [...path, key]) };
  };
  return {
    ...rest,
    ...condition('successCondition'),
    ...condition('failureCondition'),
    ...(overrides.failureLimit !== undefined && { failureLimit: overrides.failureLimit }),
    ...(overrides.intervalMs !== undefined && { intervalMs: overrides.intervalMs }),
    template,
    query: Object.freeze({ metric: metric.name, provider: Object.freeze(resolved) }),
  };
}

function argumentValues(
  template: AnalysisTemplate,
  args: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const values: Record<string, string> = { ...args };
  template.args.forEach((arg, i) => {
    if (Object.hasOwn(values, arg.name)) return;
    if (arg.value === undefined) {
      throw new ResolveError(
        ['analysis', template.name, 'args', i],
        `argument "${arg.name}" has no value; pass it from the rollout step or give it a default`,
      );
    }
    values[arg.name] = arg.value;
  });
  return values;
}

function checkOverrides(overrides: RunOverrides): void {
  const { failureLimit, intervalMs } = overrides;
  if (failureLimit !== undefined && (!Number.isInteger(failureLimit) || failureLimit < 0)) {
    throw new ResolveError(['failureLimit'], `expected an integer >= 0, got ${failureLimit}`);
  }
  if (intervalMs !== undefined && (!Number.isFinite(intervalMs) || intervalMs <= 0)) {
    throw new ResolveError(['interval'], `expected a duration longer than 0, got ${intervalMs}ms`);
  }
}
