import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestMetrics } from '../../agent/metrics/request-metrics.ts';
import { PROVIDER_KINDS } from '../provider.ts';
import { BuiltinProvider } from './builtin.ts';
import { ProviderConfigError } from './config-error.ts';
import { JobProvider } from './job.ts';
import { PrometheusProvider } from './prometheus.ts';
import { createProvider, isProviderKind } from './registry.ts';
import { WebProvider } from './web.ts';

const deps = { builtin: { metrics: new RequestMetrics() }, prometheus: { address: 'http://127.0.0.1:9090' } };

describe('createProvider', () => {
  it('builds every provider kind under its own name', () => {
    const expected = {
      prometheus: PrometheusProvider,
      web: WebProvider,
      job: JobProvider,
      builtin: BuiltinProvider,
    };
    for (const kind of PROVIDER_KINDS) {
      const provider = createProvider(kind, deps);
      assert.ok(provider instanceof expected[kind], kind);
      assert.equal(provider.name, kind);
    }
  });

  it('refuses an unknown name, listing the valid ones', () => {
    assert.throws(() => createProvider('datadog', deps), {
      name: 'ProviderConfigError',
      message: 'unknown metric provider "datadog": expected one of prometheus, web, job, builtin',
    });
    assert.equal(isProviderKind('Prometheus'), false);
  });

  it('refuses builtin without the data plane metrics, and bad options, at construction', () => {
    assert.throws(() => createProvider('builtin'), ProviderConfigError);
    assert.throws(
      () => createProvider('prometheus', { prometheus: { address: 'not a url' } }),
      ProviderConfigError,
    );
  });
});
