/*
 * Issue #11, must-show 1: the sequential judges chosen in runway.yaml, on the real router of
 * `runway serve`, under steady real traffic. A canary healthy at first passes, then starts failing
 * 20% of its requests; another one's latency doubles on a ~40 ms service. Both passes are provisional:
 * each canary is rolled back before its analysis window ends, and the run says it had passed first.
 * Scaled down from the 30 s healthy phase to about 10 s. The comparison judge, chosen the
 * same way, promotes a healthy canary after its looks and rolls back one whose latency doubles.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { alive, type CliResult, freePort, project, runway, spawnRunway } from './helpers.ts';

const SERVICE = 'checkout-api';
const PRODUCTION = await freePort();
/** Requests per second on the production port. */
const LOAD = 60;
/** The analysis window: this many scrapes of both versions, one a second. */
const WINDOW = 30;
/** Seconds of healthy canary traffic before the fault. */
const HEALTHY_FOR = 10;

const ANALYSIS = {
  'errors-vs-stable': {
    metrics: [
      {
        name: 'errors',
        provider: { builtin: {} },
        interval: '1s',
        count: WINDOW,
        judge: {
          'sequential-errors': {
            tolerance: 0.5,
            regression: 3,
            alpha: 0.01,
            minCanaryTrials: 50,
            acceptBelow: 0.05,
          },
        },
      },
    ],
  },
  'latency-vs-stable': {
    metrics: [
      {
        name: 'latency',
        provider: { builtin: {} },
        interval: '1s',
        count: WINDOW,
        judge: {
          'sequential-latency': {
            thresholdSeconds: 0.05,
            tolerance: 0.5,
            regression: 3,
            alpha: 0.01,
            minCanaryTrials: 50,
            acceptBelow: 0.2,
          },
        },
      },
    ],
  },
};

/**
 * The comparison judge: 3 looks 10 s apart at the latency medians (a freshly started canary's tail
 * is slower for a few seconds, its median is not), the window long enough for them.
 */
const COMPARED = {
  'latency-compared': {
    metrics: [
      {
        name: 'latency',
        provider: { builtin: {} },
        interval: '1s',
        count: 35,
        judge: {
          comparison: { metric: 'latency', tolerance: 0.2, looks: 3, lookEverySeconds: 10, alpha: 0.01 },
        },
      },
    ],
  },
};

/** A ~40 ms service: every answer takes 35 ms of work. */
const APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  setTimeout(() => res.end(version), 35);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(version: string, template: string): string {
  const doc = {
    version: 1,
    service: { name: SERVICE, tier: 2, health: '/health' },
    environments: {
      production: { target: { kind: 'local', command: 'node server.js', port: PRODUCTION } },
    },
    analysis: { ...ANALYSIS, ...COMPARED },
    stages: {
      production: {
        steps: [
          {
            uses: 'rollout',
            with: {
              environment: 'production',
              version,
              artifact: 'app',
              'scale-down-delay': '1s',
              steps: [{ setWeight: 50 }, { analysis: { templates: [template] } }, { setWeight: 100 }],
            },
          },
        ],
      },
    },
  };
  return stringify(doc, { lineWidth: 0 });
}

/** Steady bounded load: keep-alive GETs, at most 16 in flight. */
class Load {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 8 });
  readonly #timer: NodeJS.Timeout;
  #inFlight = 0;

  constructor(perSecond: number) {
    this.#timer = setInterval(() => this.#send(), 1000 / perSecond);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#agent.destroy();
  }

  #send(): void {
    if (this.#inFlight >= 16) return;
    this.#inFlight++;
    const req = request({ host: '127.0.0.1', port: PRODUCTION, path: '/', agent: this.#agent }, (res) => {
      res.resume();
      res.on('end', () => this.#inFlight--);
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', () => this.#inFlight--);
    req.end();
  }
}

describe('judges chosen in runway.yaml on the real router', { timeout: 300_000 }, () => {
  let dir: string;
  let serve: ChildProcess | undefined;
  let serveLog = '';
  let load: Load | undefined;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

  async function phase(): Promise<string> {
    const res = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
    assert.equal(res.code, 0, res.stderr);
    return (JSON.parse(res.stdout) as { rollout: { state: { phase: string } } }).rollout.state.phase;
  }

  /**
   * Rolls out `version` judged by `template`; once the analysis has run HEALTHY_FOR seconds, injects
   * `fault` into the canary. Returns the run's output and how long after the fault it ended.
   */
  async function release(
    t: TestContext,
    version: string,
    template: string,
    fault: string[] | undefined,
  ): Promise<CliResult & { afterFaultS: number; analysedS: number }> {
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml(version, template));
    const running = cli(['run']);
    const deadline = Date.now() + 60_000;
    while ((await phase().catch(() => '')) !== 'analysing') {
      assert.ok(Date.now() < deadline, `never analysing:\n${serveLog}`);
      await sleep(200);
    }
    const analysing = Date.now();
    if (fault) {
      await sleep(HEALTHY_FOR * 1000);
      const set = await cli(['fault', 'set', SERVICE, '--env', 'production', '--version', version, ...fault]);
      assert.equal(set.code, 0, set.stdout + set.stderr);
    }
    const faultAt = Date.now();
    const res = await running;
    const afterFaultS = (Date.now() - faultAt) / 1000;
    const analysedS = (Date.now() - analysing) / 1000;
    t.diagnostic(
      `${version} (${template}): exit ${res.code}; ` +
        (fault
          ? `fault ${fault.join(' ')} after ${HEALTHY_FOR} s of analysis; ended ${afterFaultS.toFixed(1)} s after it, `
          : 'no fault; ended ') +
        `${analysedS.toFixed(1)} s into the analysis`,
    );
    const why = res.stdout.split('\n').find((l) => l.includes('rolled back'));
    if (why) t.diagnostic(why.trim());
    return { ...res, afterFaultS, analysedS };
  }

  before(async () => {
    dir = project(pipelineYaml('v1', 'errors-vs-stable'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
    serve.stderr?.setEncoding('utf8').on('data', (c: string) => (serveLog += c));
    const info = join(dir, '.runway', 'runway', 'server.json');
    const deadline = Date.now() + 15_000;
    while (!(
      existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid === serve.pid
    )) {
      assert.ok(Date.now() < deadline, `runway serve did not start:\n${serveLog}`);
      await sleep(100);
    }
    const first = await cli(['run']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    load = new Load(LOAD);
  });

  after(async () => {
    load?.stop();
    if (dir) await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sequential-errors: passes the healthy canary, then rolls it back when 20% of its requests fail', async (t) => {
    const res = await release(t, 'v2', 'errors-vs-stable', ['--error-ratio', '0.2']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(await phase(), 'rolled-back');
    assert.match(res.stdout, /sequential-errors fail: canary error ratio .* after passing at /, res.stdout);
    assert.ok(res.analysedS < WINDOW, `rolled back ${res.analysedS} s into the window`);

    // must-show 5: the stored counters of both versions, re-judged by `analysis replay`
    const status = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
    const { rollout } = JSON.parse(status.stdout) as {
      rollout: { reports: Record<string, { samples?: Record<string, unknown> }> };
    };
    const samples = Object.values(rollout.reports).find((r) => r.samples)?.samples;
    assert.ok(samples?.['errors'], `no stored counters: ${status.stdout}`);
    writeFileSync(join(dir, 'recorded.json'), JSON.stringify(samples));
    const same = await cli(['analysis', 'replay', 'errors-vs-stable', '--series', 'recorded.json', '--json']);
    assert.equal(same.code, 1, same.stdout + same.stderr);
    const again = JSON.parse(same.stdout) as { phase: string; message: string };
    assert.equal(again.phase, 'failed', again.message);
    assert.match(again.message, /sequential-errors fail/);
    // another judge on the same recording: the latency of v2 never regressed
    const latency =
      '{sequential-latency: {thresholdSeconds: 0.05, tolerance: 0.5, regression: 3, acceptBelow: 0.2}}';
    const other = await cli([
      ...['analysis', 'replay', 'errors-vs-stable', '--series', 'recorded.json'],
      ...['--judge', latency, '--json'],
    ]);
    const judged = JSON.parse(other.stdout) as { phase: string; message: string };
    t.diagnostic(`replayed with sequential-latency: ${judged.phase}: ${judged.message}`);
    assert.notEqual(judged.phase, 'failed', judged.message);
    assert.match(JSON.stringify(judged), /sequential-latency (pass|continue)/);
    const bad = await cli([
      'analysis',
      'replay',
      'errors-vs-stable',
      '--series',
      'recorded.json',
      '--judge',
      'sprt',
    ]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--judge: .*unknown key "sprt"; expected one of sequential-errors, sequential-latency/,
    );
  });

  it('sequential-latency: passes the ~40 ms canary, then rolls it back when its latency doubles', async (t) => {
    await cli(['fault', 'clear', SERVICE, '--env', 'production', '--version', 'v2']);
    const res = await release(t, 'v3', 'latency-vs-stable', ['--latency', '35']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(await phase(), 'rolled-back');
    assert.match(
      res.stdout,
      /sequential-latency fail: canary share slower than 0\.05s .* after passing at /,
      res.stdout,
    );
    assert.ok(res.analysedS < WINDOW, `rolled back ${res.analysedS} s into the window`);
  });

  it('comparison (judge: { comparison: ... }): promotes a healthy canary after its three looks', async (t) => {
    const res = await release(t, 'v4', 'latency-compared', undefined);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(await phase(), 'completed');
  });

  it('comparison: rolls back a canary whose answers turn 100 ms slower, at a later look', async (t) => {
    const res = await release(t, 'v5', 'latency-compared', ['--latency', '100']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(await phase(), 'rolled-back');
    assert.match(
      res.stdout,
      /comparison fail: latency: high — p = .* effect \d+\.\d\d× \(ratio, tolerance 0\.2\)/,
    );
    assert.ok(res.analysedS < 35, `rolled back ${res.analysedS} s into a window of 35 scrapes`);
  });
});
