/**
 * Several control planes on one PostgreSQL drive concurrent rollouts under load while random
 * instances are killed with kill -9; prints how long each takeover took and checks what the issue
 * asks: every rollout ends as its faults dictate, no record lost, none stuck, no action applied
 * twice (read from the data-plane agent's own log).
 *
 *   node bench/ha-takeover.ts [--instances 3] [--rollouts 20] [--kills 20] [--pause-ms 30000] [--keep]
 *
 * It starts its own PostgreSQL 15 cluster (as the tests do: a temp directory, 127.0.0.1, a port the
 * OS picked), N `runway serve` processes sharing it and one data-plane agent. Every third canary is
 * sick (its health fails after 3 s) and must be rolled back; the others must complete. Every 1–3 s
 * a kill picks a random instance that is up (never the last one), and a new one is started at once. A takeover is timed per environment with an
 * unfinished rollout the killed instance held: from the kill until another holder has its lease.
 * The ratio printed is p99 takeover against the lease time (5 s), the bound a takeover waits for.
 * Exits 1 if any check fails.
 */
import { rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_LEASE_TTL_MS } from '../src/leases/store-leases.ts';
import { startPostgres } from '../src/store/postgres/postgres.fixture.ts';
import {
  api,
  dataPlaneActions,
  doubleActions,
  freePort,
  haProject,
  holderPid,
  rolloutRequest,
  startInstance,
  stopAll,
  StoreProbe,
  tokenOf,
  until,
  type Instance,
} from '../test/e2e/ha.fixture.ts';
import { intFlag } from './flags.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '3' },
    rollouts: { type: 'string', default: '20' },
    kills: { type: 'string', default: '20' },
    'pause-ms': { type: 'string', default: '30000' },
    keep: { type: 'boolean', default: false },
  },
});
const INSTANCES = intFlag('instances', values.instances, 2, 8);
const ROLLOUTS = intFlag('rollouts', values.rollouts, 1, 50);
const KILLS = intFlag('kills', values.kills, 0, 200);
const PAUSE_MS = intFlag('pause-ms', values['pause-ms'], 500, 60_000);
const TERMINAL = new Set(['completed', 'aborted', 'rolled-back']);

const cluster = await startPostgres();
const store = await cluster.freshDatabase();
const cwd = haProject();
const live: Instance[] = [];
/** Every instance started, killed or not. */
const started: Instance[] = [];
const probe = new StoreProbe(store);
let exit = 0;
try {
  console.log(
    `ha-takeover: ${INSTANCES} instances, ${ROLLOUTS} rollouts, ${KILLS} kills, pauses ${PAUSE_MS} ms; ` +
      `node ${process.version}, ${availableParallelism()} cpus, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  for (let i = 0; i < INSTANCES; i++) live.push(await startInstance(cwd, store));
  started.push(...live);
  const token = tokenOf(cwd);
  const services = Array.from({ length: ROLLOUTS }, (_, i) => `svc-${i}`);
  const ports = new Map<string, number>();
  for (const s of services) ports.set(s, await freePort());
  const sick = (i: number) => i % 3 === 2;

  // first releases, spread over the instances
  for (const [i, s] of services.entries()) {
    const res = await api(
      live[i % live.length]!.url,
      token,
      'POST',
      '/v1/rollouts',
      rolloutRequest(cwd, s, ports.get(s)!, 'v1'),
    );
    if (res.status !== 201) throw new Error(`v1 of ${s}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await until('every v1 running', 180_000, async () => {
    const phases = await probe.phases();
    return [...phases.values()].filter((p) => p === 'completed').length === ROLLOUTS;
  });

  // load: a steady trickle of requests to every service, counting connection failures
  let requests = 0;
  let failures = 0;
  let loading = true;
  const load = (async () => {
    while (loading) {
      await Promise.all(
        services.map(async (s) => {
          requests++;
          try {
            const res = await fetch(`http://127.0.0.1:${ports.get(s)}/`, {
              signal: AbortSignal.timeout(5000),
            });
            await res.text();
            if (res.status !== 200) failures++;
          } catch {
            failures++;
          }
        }),
      );
      await sleep(200);
    }
  })();

  const startedAt = Date.now();
  for (const [i, s] of services.entries()) {
    const req = rolloutRequest(cwd, s, ports.get(s)!, 'v2', { sick: sick(i), pauseMs: PAUSE_MS });
    const res = await api(live[i % live.length]!.url, token, 'POST', '/v1/rollouts', req);
    if (res.status !== 201) throw new Error(`v2 of ${s}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  // kills: a random live instance, replaced at once; takeovers timed by a lease watcher
  const pending: { lease: string; victim: number; at: number }[] = [];
  const takeovers: number[] = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const leases = await probe.leases().catch(() => new Map<string, { holder: string }>());
      for (const p of [...pending]) {
        const holder = leases.get(p.lease)?.holder;
        if (holder && holderPid(holder) !== p.victim) {
          takeovers.push(Date.now() - p.at);
          pending.splice(pending.indexOf(p), 1);
        }
      }
      await sleep(100);
    }
  })();
  let kills = 0;
  const starting: Promise<void>[] = [];
  while (kills < KILLS) {
    await sleep(1000 + Math.random() * 2000);
    if (live.length < 2) continue;
    const phases = await probe.phases();
    const unfinished = new Set(
      [...phases].filter(([, p]) => !TERMINAL.has(p)).map(([id]) => `env:${id.split('.')[0]}/prod`),
    );
    if (unfinished.size === 0) break;
    const victim = live[Math.floor(Math.random() * live.length)]!;
    const leases = await probe.leases();
    victim.child.kill('SIGKILL');
    const at = Date.now();
    kills++;
    live.splice(live.indexOf(victim), 1);
    for (const [lease, l] of leases) {
      if (holderPid(l.holder) === victim.pid && unfinished.has(lease))
        pending.push({ lease, victim: victim.pid, at });
    }
    starting.push(startInstance(cwd, store).then((i) => void (live.push(i), started.push(i))));
  }
  await Promise.all(starting);

  // the end: every rollout finished, nothing lost, nothing twice
  const deadline = Date.now() + 240_000;
  let phases = await probe.phases();
  while (Date.now() < deadline && ![...phases.values()].every((p) => TERMINAL.has(p))) {
    await sleep(500);
    phases = await probe.phases();
  }
  const runMs = Date.now() - startedAt;
  await until('takeovers timed', 30_000, async () => pending.length === 0).catch(() => undefined);
  watching = false;
  loading = false;
  await Promise.all([watcher, load]);

  const stuck = [...phases].filter(([, p]) => !TERMINAL.has(p)).map(([id]) => id);
  const lost = services.filter((s) => !phases.has(`${s}.prod.r1`) || !phases.has(`${s}.prod.r2`));
  const wrong = services.filter((s, i) => {
    const phase = phases.get(`${s}.prod.r2`);
    return phase !== undefined && TERMINAL.has(phase) && phase !== (sick(i) ? 'rolled-back' : 'completed');
  });
  const doubles = doubleActions(dataPlaneActions(cwd));
  const sorted = [...takeovers].sort((a, b) => a - b);
  const pct = (q: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const p99 = pct(0.99);

  console.log(
    `run ${(runMs / 1000).toFixed(1)} s; kills ${kills}; takeovers timed ${takeovers.length}; ${pending.length} untimed`,
  );
  console.log(`takeover ms: ${sorted.join(' ') || '(none)'}`);
  console.log(
    `takeover p50 ${pct(0.5)} ms, p90 ${pct(0.9)} ms, p99 ${p99} ms, max ${sorted.at(-1) ?? NaN} ms; ` +
      `ratio p99 / lease ttl (${DEFAULT_LEASE_TTL_MS} ms) = ${(p99 / DEFAULT_LEASE_TTL_MS).toFixed(2)}`,
  );
  console.log(
    `rollouts: ${ROLLOUTS * 2 - lost.length * 2}/${ROLLOUTS * 2} records; stuck ${stuck.length}; wrong outcome ${wrong.length}`,
  );
  console.log(
    `data plane: actions applied twice ${doubles.length}; load ${requests} requests, ${failures} failed`,
  );
  for (const d of doubles) console.log(`  twice: ${d}`);
  for (const s of stuck) console.log(`  stuck: ${s} (${phases.get(s)})`);
  for (const s of wrong) console.log(`  wrong: ${s}`);
  if (stuck.length > 0 || lost.length > 0 || wrong.length > 0 || doubles.length > 0 || !(p99 < 10_000))
    exit = 1;
} catch (err) {
  console.error(`ha-takeover: ${(err as Error).message}`);
  exit = 1;
} finally {
  await probe.close();
  await stopAll(cwd, started).catch(() => undefined);
  cluster.stop();
  if (values.keep) console.log(`kept ${cwd}`);
  else rmSync(cwd, { recursive: true, force: true });
}
process.exit(exit);
