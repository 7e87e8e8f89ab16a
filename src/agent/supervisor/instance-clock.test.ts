import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeResult } from './health-probe.ts';
import { Instance } from './instance.ts';
import { resolveInstanceSpec } from './instance-spec.ts';
import type { InstanceSpecInput } from './instance-spec.ts';
import { EventLog, freePort } from './test-server.fixture.ts';
import { VirtualClock } from './virtual-clock.fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'runway-supervisor-clock-'));
const running: Instance[] = [];

after(async () => {
  await Promise.all(running.map((i) => i.stop({ graceMs: 0 })));
  rmSync(dir, { recursive: true, force: true });
});

/** Answers probes from a script (true = pass), then passes forever; each answer takes `realMs`. */
function scripted(results: boolean[], realMs = 0) {
  const urls: string[] = [];
  const probe = async (url: string): Promise<ProbeResult> => {
    urls.push(url);
    if (realMs > 0) await new Promise((resolve) => setTimeout(resolve, realMs));
    const ok = results.shift() ?? true;
    return { ok, detail: ok ? 'status 200' : 'status 503' };
  };
  return { probe, urls };
}

/** A real process that only sleeps, watched through a virtual clock and scripted probes, with default timings. */
async function launch(results: boolean[], over: Partial<InstanceSpecInput> = {}, realMs = 0) {
  const clock = new VirtualClock();
  const log = new EventLog();
  const { probe, urls } = scripted(results, realMs);
  const spec = resolveInstanceSpec({
    service: 'checkout-api',
    release: { version: '2.0.0' },
    command: 'exec sleep 1000',
    cwd: dir,
    env: { PATH: '/usr/bin:/bin' },
    port: await freePort(),
    healthPath: '/health',
    logPath: join(dir, `${running.length}.log`),
    ...over,
  });
  const instance = new Instance(spec, { clock, probe, onEvent: log.sink });
  running.push(instance);
  instance.start();
  return { instance, log, urls, spec };
}

const ms = (iso: string) => Date.parse(iso);

describe('Instance in clock time (virtual clock, scripted probes, default timings)', () => {
  it('stays ready through 2 failed liveness probes and restarts at the 3rd in a row', async () => {
    // readiness: fail, pass; liveness: fail, fail, pass, fail, fail, fail
    const { instance, log, urls, spec } = await launch([
      false,
      true,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    const starting = await log.nth('starting');
    const ready = await log.nth('ready');
    const unhealthy = await log.nth('unhealthy');
    assert.equal(ms(ready.at) - ms(starting.at), 500, 'ready after one readiness interval');
    assert.equal(ms(unhealthy.at) - ms(ready.at), 6 * 10_000, 'six liveness intervals of 10 s');
    assert.equal(unhealthy.reason, '3 liveness probes failed in a row (last: status 503)');
    assert.deepEqual(log.types().slice(0, 3), ['starting', 'ready', 'unhealthy']);
    const restarting = await log.nth('restarting');
    assert.deepEqual([restarting.attempt, restarting.delayMs], [1, 1000]);
    await log.nth('ready', 2);
    assert.ok(urls.every((u) => u === `http://127.0.0.1:${spec.port}/health`));
    assert.equal(instance.status().restarts, 1);
    await instance.stop();
  });

  it('counts an instance not ready within readiness.timeoutMs (60 s by default) as failed', async () => {
    const { instance, log } = await launch(Array(1000).fill(false));
    const starting = await log.nth('starting');
    const unhealthy = await log.nth('unhealthy');
    const waited = ms(unhealthy.at) - ms(starting.at);
    assert.ok(waited >= 60_000 && waited < 60_500, `waited ${waited}ms`);
    assert.equal(unhealthy.reason, 'not ready within 60000ms (last probe: status 503)');
    await instance.stop();
  });

  it('reports a crash loop at the 3rd restart with the seeds defaults (1 s, 2 s, 4 s backoff)', async () => {
    // slow failing probes keep virtual time from racing past the process, which exits at once
    const { instance, log } = await launch(Array(1000).fill(false), { command: 'exit 3' }, 20);
    const loop = await log.nth('crash-loop');
    assert.deepEqual([loop.restarts, loop.windowMs], [3, 300_000]);
    const restarting = await log.nth('restarting', 3);
    const delays = log.events.flatMap((e) => (e.type === 'restarting' ? [e.delayMs] : []));
    assert.deepEqual(delays, [1000, 2000, 4000]);
    assert.ok(ms(restarting.at) - ms(log.events[0]?.at ?? '') < 300_000);
    assert.equal(instance.status().crashLooping, true);
    await instance.stop();
  });
});
