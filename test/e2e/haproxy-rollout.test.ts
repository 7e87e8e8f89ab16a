/*
 * Issue #12, must-show 2: Debian's HAProxy, started here with a generated config, splits a real
 * service's traffic while `runway serve` rolls it out through the haproxy router. Runway adds the
 * local target's instances as HAProxy servers and changes their weights live through the runtime
 * API. Under steady load, a healthy canary goes to 100% and a failing one (its own 500s, counted by
 * HAProxy's `show stat` for the builtin provider) is rolled back on its own; no request fails because
 * of the router; the weights are read from HAProxy's own `show servers state`, not from Runway.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { runtimeCommand } from '../../src/routers/haproxy/runtime-api.ts';
import { parseServersState, perMille, versionOf } from '../../src/routers/haproxy/servers.ts';
import { freePort, startHaproxy, type HaproxyInstance } from '../../src/routers/haproxy/haproxy.fixture.ts';
import { alive, project, runway, spawnRunway, type CliResult } from './helpers.ts';

/** Answers its version; with FAIL=1, every third request is a 500 of its own ("<version> failed"). */
const APP = `const http = require('node:http');
const version = process.env.RELEASE_VERSION;
let n = 0;
http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  if (process.env.FAIL === '1' && ++n % 3 === 0) { res.statusCode = 500; return res.end(version + ' failed'); }
  res.end(version);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

function pipelineYaml(h: HaproxyInstance, agentPort: number, version: string, fail: boolean): string {
  return stringify(
    {
      version: 1,
      service: { name: 'shop', health: '/health' },
      environments: {
        production: {
          target: { kind: 'local', command: 'node server.js', port: agentPort, replicas: 2 },
          router: { kind: 'haproxy', 'runtime-api': h.runtimeApi, backend: h.backend },
        },
      },
      analysis: {
        'error-rate': {
          metrics: [
            {
              name: 'error-rate',
              interval: '1s',
              count: 3,
              successCondition: 'result < 0.05',
              provider: { builtin: { metric: 'error-rate', window: '1s' } },
            },
          ],
        },
      },
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
                env: { FAIL: fail ? '1' : '0' },
                steps: [
                  { setWeight: 10 },
                  { pause: { duration: '2s' } },
                  { setWeight: 50 },
                  { analysis: { templates: ['error-rate'] } },
                  { setWeight: 100 },
                ],
              },
            },
          ],
        },
      },
    },
    { lineWidth: 0 },
  );
}

/** Steady bounded load on HAProxy's frontend: keep-alive GETs, at most 8 in flight. */
class Load {
  readonly answers: Record<string, number> = {};
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 8 });
  readonly #timer: NodeJS.Timeout;
  #inFlight = 0;

  constructor(port: number, perSecond: number) {
    this.#timer = setInterval(() => {
      if (this.#inFlight >= 8) return;
      this.#inFlight++;
      const req = request({ host: '127.0.0.1', port, path: '/', agent: this.#agent }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => {
          this.#inFlight--;
          this.#count(`${res.statusCode} ${body}`);
        });
      });
      req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
      req.on('error', (err) => {
        this.#inFlight--;
        this.#count(`error ${err.message}`);
      });
      req.end();
    }, 1000 / perSecond);
  }

  #count(what: string): void {
    this.answers[what] = (this.answers[what] ?? 0) + 1;
  }

  /** Answers no app gave: HAProxy's own errors (502, 503…) and failed connections. */
  routerFailures(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.answers).filter(([k]) => !/^(200 v\d|500 v\d failed)$/.test(k)),
    );
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#agent.destroy();
  }
}

/** The split as HAProxy's runtime API reports it: per-mille by version, from `show servers state`. */
async function haproxySplit(h: HaproxyInstance): Promise<Record<string, number>> {
  const servers = parseServersState(
    await runtimeCommand(h.runtimeApi, ['show', 'servers', 'state', h.backend]),
  );
  const byVersion = new Map<string, number>();
  for (const s of servers) {
    const v = versionOf(s.name);
    if (v !== undefined) byVersion.set(v, (byVersion.get(v) ?? 0) + (s.maintenance ? 0 : s.weight));
  }
  return Object.fromEntries(Object.entries(perMille(byVersion)).filter(([, w]) => w > 0));
}

/** Records every distinct split HAProxy reports while `work` runs (polled every 50 ms). */
/** HAProxy's split as its runtime API reports it, e.g. "v1=500 v2=500" ("?" when it cannot say). */
async function splitText(h: HaproxyInstance): Promise<string> {
  const split = await haproxySplit(h).catch(() => undefined);
  return split
    ? Object.entries(split)
        .sort()
        .map(([v, w]) => `${v}=${w}`)
        .join(' ')
    : '?';
}

async function watchSplits<T>(
  h: HaproxyInstance,
  work: Promise<T>,
): Promise<{ result: T; splits: string[] }> {
  const splits: string[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      const text = await splitText(h);
      if (splits.at(-1) !== text) splits.push(text);
      await sleep(50);
    }
  })();
  const result = await work;
  done = true;
  await poll;
  return { result, splits };
}

describe('rollouts through HAProxy driven by its runtime API', { timeout: 240_000 }, () => {
  let h: HaproxyInstance;
  let dir: string;
  let agentPort: number;
  let serve: ChildProcess | undefined;
  let load: Load;
  const cli = (args: string[]): Promise<CliResult> => runway(args, { cwd: dir });

  before(async () => {
    h = await startHaproxy({ backend: 'shop' });
    agentPort = await freePort();
    dir = project(pipelineYaml(h, agentPort, 'v1', false));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'server.js'), APP);
    serve = spawnRunway(['serve'], { cwd: dir });
    serve.stdout?.resume();
    serve.stderr?.resume();
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 200 && !existsSync(info); i++) await sleep(50);
    assert.ok(existsSync(info), 'runway serve started');
    assert.equal((JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid, serve.pid);
  });

  after(async () => {
    load?.stop();
    await cli(['serve', 'stop']);
    if (serve?.pid && alive(serve.pid)) serve.kill('SIGKILL');
    await h?.stop();
  });

  it('the first release goes straight to production: both instances become HAProxy servers', async () => {
    const res = await cli(['run']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const servers = parseServersState(
      await runtimeCommand(h.runtimeApi, ['show', 'servers', 'state', 'shop']),
    );
    assert.deepEqual(
      servers.map((s) => [versionOf(s.name), s.maintenance]),
      [
        ['v1', false],
        ['v1', false],
      ],
    );
    assert.deepEqual(await haproxySplit(h), { v1: 1000 });
    load = new Load(h.port, 80);
  });

  it('a healthy canary goes 10% → 50% → 100% under load, with no request failed by the router', async (t) => {
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml(h, agentPort, 'v2', false));
    const { result, splits } = await watchSplits(h, cli(['run']));
    t.diagnostic(`splits read from HAProxy: ${splits.join(' | ')}`);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(splits.includes('v1=900 v2=100'), splits.join(' | '));
    assert.ok(splits.includes('v1=500 v2=500'), splits.join(' | '));
    assert.equal(splits.at(-1), 'v2=1000');
    await sleep(2500); // scale-down-delay: v1's servers are drained and deleted
    const servers = parseServersState(
      await runtimeCommand(h.runtimeApi, ['show', 'servers', 'state', 'shop']),
    );
    assert.deepEqual(
      servers.filter((s) => versionOf(s.name) !== undefined).map((s) => versionOf(s.name)),
      ['v2', 'v2'],
    );
    const status = await cli(['rollout', 'status', 'shop', '--env', 'production', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual((JSON.parse(status.stdout) as { site: { weights: unknown } }).site.weights, {
      v2: 1000,
    });
    t.diagnostic(`answers so far: ${JSON.stringify(load.answers)}`);
    assert.deepEqual(load.routerFailures(), {});
    assert.ok((load.answers['200 v2'] ?? 0) > 0 && (load.answers['200 v1'] ?? 0) > 0);
  });

  it('a canary that fails a third of its requests is rolled back on its own, from the counts HAProxy keeps', async (t) => {
    writeFileSync(join(dir, 'runway.yaml'), pipelineYaml(h, agentPort, 'v3', true));
    const { result, splits } = await watchSplits(h, cli(['run']));
    t.diagnostic(`splits read from HAProxy: ${splits.join(' | ')}`);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout + result.stderr, /rolled back/);
    assert.ok(splits.includes('v2=500 v3=500'), splits.join(' | '));
    // the rollback's route change reaches HAProxy on the controller's next sync with it (≤ 1 s)
    const since = Date.now();
    while (splits.at(-1) !== 'v2=1000' && Date.now() - since < 5000) {
      await sleep(50);
      const text = await splitText(h);
      if (splits.at(-1) !== text) splits.push(text);
    }
    t.diagnostic(`HAProxy back on v2 ${Date.now() - since} ms after the run ended`);
    assert.equal(splits.at(-1), 'v2=1000', splits.join(' | '));
    assert.ok((load.answers['500 v3 failed'] ?? 0) > 0, 'the canary failed requests of its own');
    const afterwards = { ...load.answers };
    await sleep(1000);
    assert.equal(
      load.answers['500 v3 failed'] ?? 0,
      afterwards['500 v3 failed'] ?? 0,
      'v3 gets no traffic after the rollback',
    );
    t.diagnostic(`answers: ${JSON.stringify(load.answers)}`);
    assert.deepEqual(load.routerFailures(), {});
  });
});
