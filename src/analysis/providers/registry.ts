import { PROVIDER_KINDS } from '../provider.ts';
import type { Provider, ProviderKind } from '../provider.ts';
import { BuiltinProvider } from './builtin.ts';
import type { BuiltinOptions } from './builtin.ts';
import { ProviderConfigError } from './config-error.ts';
import { JobProvider } from './job.ts';
import type { JobOptions } from './job.ts';
import { PrometheusProvider } from './prometheus.ts';
import type { PrometheusOptions } from './prometheus.ts';
import { WebProvider } from './web.ts';
import type { WebOptions } from './web.ts';

/** What each provider is built from; only the providers that are used need theirs. */
export interface ProviderDeps {
  readonly prometheus?: PrometheusOptions;
  readonly web?: WebOptions;
  readonly job?: JobOptions;
  /** Required for `builtin`: the data plane's request metrics. */
  readonly builtin?: BuiltinOptions;
}

const CONSTRUCTORS: { readonly [K in ProviderKind]: (deps: ProviderDeps) => Provider } = {
  prometheus: (deps) => new PrometheusProvider(deps.prometheus),
  web: (deps) => new WebProvider(deps.web),
  job: (deps) => new JobProvider(deps.job),
  builtin: (deps) => {
    if (!deps.builtin) {
      throw new ProviderConfigError(
        'the builtin provider needs the data plane metrics (deps.builtin.metrics)',
      );
    }
    return new BuiltinProvider(deps.builtin);
  },
};

/** True when `name` is a provider Runway has. */
export function isProviderKind(name: string): name is ProviderKind {
  return (PROVIDER_KINDS as readonly string[]).includes(name);
}

/**
 * Builds the provider called `name`; an unknown name or missing dependency is a ProviderConfigError.
 *
 * @example createProvider('prometheus', { prometheus: { address: 'http://127.0.0.1:9090' } })
 */
export function createProvider(name: string, deps: ProviderDeps = {}): Provider {
  if (!isProviderKind(name)) {
    throw new ProviderConfigError(
      `unknown metric provider ${JSON.stringify(name)}: expected one of ${PROVIDER_KINDS.join(', ')}`,
    );
  }
  return CONSTRUCTORS[name](deps);
}
