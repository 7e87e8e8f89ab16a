import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { JobQuery, MetricQuery } from '../provider.ts';
import { judge } from '../conditions.ts';
import { argsToEnv } from './job-env.ts';
import { JobProvider } from './job.ts';
import { providerContract, testContext } from './provider.contract.ts';

const cwd = mkdtempSync(join(tmpdir(), 'runway-job-provider-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const HOST_ENV = { PATH: process.env['PATH'], HOME: cwd, LEAKY_TOKEN: 'must-not-pass' };
const jobs = new JobProvider({ cwd, hostEnv: HOST_ENV });
const query = (run: string, extra: Partial<JobQuery> = {}): MetricQuery => ({
  metric: 'golden-path',
  provider: { kind: 'job', run, timeoutMs: 5000, ...extra },
});
const measure = (run: string, args: Record<string, string> = {}, extra: Partial<JobQuery> = {}) =>
  jobs.measure(query(run, extra), testContext(args));

providerContract('job', () => ({ provider: jobs, query: query('echo pass') }));

describe('JobProvider with real commands', () => {
  it('measures the last non-empty stdout line, so the seed\'s `result == "pass"` works', async () => {
    assert.deepEqual(await measure('echo pass'), { value: 'pass', exitCode: 0 });
    assert.deepEqual(await measure('echo checking; echo warn >&2; printf "pass  \\n\\n\\n"'), {
      value: 'pass',
      exitCode: 0,
    });
  });

  it('a job printing a ratio is judged as a number: result < 0.02 holds on "0.001"', async () => {
    const raw = await measure('echo "error ratio:"; echo 0.001');
    assert.equal(judge(raw, { successCondition: 'result < 0.02' }).phase, 'successful');
    const high = await measure('echo 0.5');
    assert.equal(judge(high, { successCondition: 'result < 0.02' }).phase, 'failed');
  });

  it('measures "" when a successful job prints nothing', async () => {
    assert.deepEqual(await measure('true'), { value: '', exitCode: 0 });
  });

  it('answers a non-zero exit with an error carrying the code and the last line, even after "pass"', async () => {
    assert.deepEqual(await measure('echo fail; exit 1'), { error: 'job exited with code 1: fail' });
    assert.deepEqual(await measure('echo pass; echo "connection refused" >&2; exit 7'), {
      error: 'job exited with code 7: connection refused',
    });
    assert.deepEqual(await measure('exit 3'), { error: 'job exited with code 3' });
  });

  it('runs in a clean environment: PATH, HOME and the args, nothing else of the host', async () => {
    const m = await measure(
      'echo "$HOME|${LEAKY_TOKEN:-absent}|$RUNWAY_ARG_SERVICE|$RUNWAY_ARG_CANARY_VERSION"',
      {
        service: 'checkout-api',
        'canary.version': 'v2',
      },
    );
    assert.deepEqual(m, { value: `${cwd}|absent|checkout-api|v2`, exitCode: 0 });
  });

  it('passes hostile arg values as data: `$(touch pwned)` creates no file', async () => {
    const hostile = '$(touch pwned); `touch pwned2`; touch pwned3 #';
    const m = await measure('echo "$RUNWAY_ARG_SERVICE"; echo $RUNWAY_ARG_SERVICE >/dev/null; echo done', {
      service: hostile,
    });
    assert.deepEqual(m, { value: 'done', exitCode: 0 });
    assert.deepEqual(readdirSync(cwd), []);
    const echoed = await measure('printf "%s\\n" "$RUNWAY_ARG_SERVICE"', { service: hostile });
    assert.deepEqual(echoed, { value: hostile, exitCode: 0 });
    assert.equal(existsSync(join(cwd, 'pwned')), false);
  });

  it('stops a job that runs past timeoutMs', async () => {
    const started = performance.now();
    assert.deepEqual(await measure('sleep 5', {}, { timeoutMs: 150 }), {
      error: 'job did not finish within 150 ms',
    });
    assert.ok(performance.now() - started < 2000);
  });

  it('stops a job when the measurement is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const m = await jobs.measure(query('sleep 5'), testContext({}, { signal: controller.signal }));
    assert.deepEqual(m, { error: 'job cancelled before it finished' });
  });

  it('points a Kubernetes job spec to the kubernetes target', async () => {
    const m = await jobs.measure(
      { metric: 'golden-path', provider: { kind: 'job', spec: { template: {} }, timeoutMs: 1000 } },
      testContext(),
    );
    assert.ok('error' in m);
    assert.match(m.error, /Kubernetes job spec needs the kubernetes target/);
  });

  it('refuses args whose names become the same variable', async () => {
    const m = await measure('true', { 'canary.version': 'a', 'canary-version': 'b' });
    assert.deepEqual(m, {
      error: 'args "canary.version" and "canary-version" both become RUNWAY_ARG_CANARY_VERSION',
    });
  });
});

describe('argsToEnv', () => {
  it('upper-cases names and turns everything but letters and digits into _', () => {
    assert.deepEqual(argsToEnv({ service: 's', 'stable.version': 'v1', 'p95-slo': '0.5' }), {
      env: { RUNWAY_ARG_SERVICE: 's', RUNWAY_ARG_STABLE_VERSION: 'v1', RUNWAY_ARG_P95_SLO: '0.5' },
    });
  });
});
