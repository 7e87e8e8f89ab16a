/*
 * Issue #11, item 3: the DawsOS seed's Flagger `analysis:` block pasted under `uses: rollout`, on the
 * real router of `runway serve` under steady real traffic. A healthy canary walks 20 → 40 → 60 → 80 →
 * 100% (stepWeight 20, maxWeight 100) and is promoted after the last check passes; a canary failing
 * 5% of its requests holds its weight at every failed check and is rolled back at the fifth.
 *
 * Scaled down: `interval: 1m` → 1s between checks, the metrics' `interval: 1m` windows → 10s (enough
 * requests that 5% errors always show above the 0.5% threshold). The seed's third metric,
 * `pricing-pack-health`, is a custom Prometheus query with nothing here to answer it, so it is left
 * out; the two builtin metrics run on the builtin provider.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, type CliResult, freePort, project, runway, spawnRunway } from './helpers.ts';

const SERVICE = 'checkout-api';
const PRODUCTION = await freePort();
/** Requests per second on the production port: 20 a second reach a 20% canary. */
const LOAD = 100;

/** The seed's block as written (comments included), intervals scaled down. */
function pipelineYaml(version: string, interval = '1s'): string {
  return `version: 1
service: { name: ${SERVICE}, tier: 2, health: /health }
environments:
  production: { target: { kind: local, command: node server.js, port: ${PRODUCTION} } }
stages:
  production:
    steps:
      - uses: rollout
        with:
          environment: production
          version: ${version}
          artifact: app
          scale-down-delay: 1s
          analysis:
            interval: ${interval}
            threshold: 5  # rollback after 5 failed checks
            maxWeight: 100
            stepWeight: 20  # 5% → 25% → 45% → 65% → 85% → 100%
            metrics:
              - name: request-success-rate
                thresholdRange:
                  min: 99.5  # < 0.5% error rate
                interval: 10s
              - name: request-duration-p95
                thresholdRange:
                  max: 1200  # ≤ 1.2s (warm SLO)
                interval: 10s
`;
}

const APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.end(version);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

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

interface Entry {
  event: string;
  detail: string;
}

describe(
  'the DawsOS Flagger analysis block under uses: rollout, on the real router',
  { timeout: 180_000 },
  () => {
    let dir: string;
    let serve: ChildProcess | undefined;
    let serveLog = '';
    let load: Load | undefined;
    const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

    async function state(): Promise<{ phase: string; abortReason?: string; history: Entry[] }> {
      const res = await cli(['rollout', 'status', SERVICE, '--env', 'production', '--json']);
      assert.equal(res.code, 0, res.stderr);
      return (JSON.parse(res.stdout) as { rollout: { state: Awaited<ReturnType<typeof state>> } }).rollout
        .state;
    }

    /** The canary weights set, in order, and where the failed checks fell among them. */
    function timeline(history: Entry[]): string[] {
      return history.flatMap((h) => {
        if (h.event === 'weight-set') return [h.detail.split(' ')[0] ?? ''];
        if (h.event === 'analysis-finished' && h.detail.startsWith('check ')) return ['✗'];
        return [];
      });
    }

    before(async () => {
      dir = project(pipelineYaml('v1'));
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

    it('a healthy canary follows 20 → 40 → 60 → 80 → 100% and is promoted after the last check', async (t) => {
      writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v2'));
      const started = Date.now();
      const res = await cli(['run']);
      t.diagnostic(`v2 healthy: exit ${res.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(res.code, 0, res.stdout + res.stderr + serveLog);
      const s = await state();
      assert.equal(s.phase, 'completed');
      assert.deepEqual(timeline(s.history), ['20%', '40%', '60%', '80%', '100%']);
    });

    it('5% injected errors: the weight holds at every failed check and the fifth rolls back', async (t) => {
      const set = await cli([
        'fault',
        'set',
        SERVICE,
        '--env',
        'production',
        '--version',
        'v3',
        '--error-ratio',
        '0.05',
      ]);
      assert.equal(set.code, 0, set.stdout + set.stderr);
      writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v3'));
      const started = Date.now();
      const res = await cli(['run']);
      t.diagnostic(
        `v3 with 5% errors: exit ${res.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      assert.equal(res.code, 1, res.stdout + res.stderr);
      const s = await state();
      assert.equal(s.phase, 'rolled-back');
      assert.match(s.abortReason ?? '', /^5 of 5 checks failed/);
      const steps = timeline(s.history);
      t.diagnostic(`weights and failed checks: ${steps.join(' ')}`);
      // four holds, then the fifth failure rolls back: nothing but 0% after the first failed check
      const first = steps.indexOf('✗');
      assert.ok(first > 0, steps.join(' '));
      assert.deepEqual(steps.slice(first), ['✗', '✗', '✗', '✗', '0%']);
    });

    it('errors that start at 40%: the weight never goes past the step where checks started failing', async (t) => {
      await cli(['fault', 'clear', SERVICE, '--env', 'production', '--version', 'v3']);
      // 3 s between checks, so the fault lands while the canary is at 40%
      writeFileSync(join(dir, 'runway.yaml'), pipelineYaml('v4', '3s'));
      const running = cli(['run']);
      const deadline = Date.now() + 60_000;
      while (!timeline((await state().catch(() => ({ history: [] }))).history).includes('40%')) {
        assert.ok(Date.now() < deadline, `never at 40%:\n${serveLog}`);
        await sleep(200);
      }
      const fault = ['--version', 'v4', '--error-ratio', '0.05'];
      const set = await cli(['fault', 'set', SERVICE, '--env', 'production', ...fault]);
      assert.equal(set.code, 0, set.stdout + set.stderr);
      const res = await running;
      assert.equal(res.code, 1, res.stdout + res.stderr);
      const s = await state();
      const steps = timeline(s.history);
      t.diagnostic(`weights and failed checks: ${steps.join(' ')}`);
      assert.equal(s.phase, 'rolled-back');
      const first = steps.indexOf('✗');
      assert.ok(steps.slice(0, first).includes('40%'), steps.join(' '));
      assert.ok(!steps.includes('100%'), steps.join(' '));
      const text = await cli(['rollout', 'status', SERVICE, '--env', 'production']);
      assert.match(text.stdout, /failed checks: 5 of 5 \(the last rolls back\)/, text.stdout);
      assert.deepEqual(steps.slice(first), ['✗', '✗', '✗', '✗', '0%']);
    });
  },
);
