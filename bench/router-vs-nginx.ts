/**
 * Measures Runway's weighted router against nginx doing the same 90/10 split to the same two
 * backends, and against going straight to the stable backend, in one run.
 *
 *   node bench/router-vs-nginx.ts [--duration 10] [--warmup 2] [--connections 32] [--threads 2]
 *                                 [--rounds 1] [--canary 100] [--nginx-workers 1] [--loadgen auto|wrk|node]
 *                                 [--light-connections 4] [--light-duration 5]
 *
 * Backends, the Runway proxy and nginx each run in their own process on 127.0.0.1. The load comes
 * from wrk when it is installed, else from a bounded keep-alive Node client. It prints requests/s and
 * latency percentiles per target and the two ratios the issue aims at. It is a measurement, not a
 * test: it exits 0 whatever the ratios, and 1 only when a target fails to start or answers errors.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WeightedProxy } from '../src/agent/router/proxy.ts';
import { HaproxyRouter } from '../src/routers/haproxy/haproxy-router.ts';
import { HAPROXY, startHaproxy, type HaproxyInstance } from '../src/routers/haproxy/haproxy.fixture.ts';
import { intFlag } from './flags.ts';

const NGINX = '/usr/sbin/nginx';
const AIM_THROUGHPUT = 0.5;
const AIM_P99_OVERHEAD_MS = 2;
const BODY = 'hello from the backend\n';

interface Options {
  duration: number;
  warmup: number;
  connections: number;
  threads: number;
  rounds: number;
  canary: number;
  nginxWorkers: string;
  loadgen: 'auto' | 'wrk' | 'node';
  lightConnections: number;
  lightDuration: number;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

interface Child {
  readonly proc: ChildProcess;
  readonly port: number;
  count(): Promise<number>;
  stop(): Promise<void>;
}

// --- child roles: a backend, or the Runway proxy, each in its own process ---

async function runRole(role: string, arg: string): Promise<void> {
  if (role === 'backend') {
    const { port, count } = await fastBackend(arg);
    process.on('message', () => process.send?.({ count: count() }));
    process.send?.({ port });
  } else if (role === 'runway') {
    const proxy = new WeightedProxy({ routes: JSON.parse(arg) as unknown, metricsPath: '/_runway/metrics' });
    const port = await proxy.listen(0);
    process.on('message', () => process.send?.({ count: 0 }));
    process.send?.({ port });
  }
  process.on('disconnect', () => process.exit(0));
}

/** A tiny keep-alive HTTP/1.1 backend on raw TCP: a canned 200 for every bodyless request it reads. */
async function fastBackend(name: string): Promise<{ port: number; count: () => number }> {
  const response = Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${BODY.length}\r\nx-backend: ${name}\r\n\r\n${BODY}`,
  );
  let served = 0;
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    let tail = '';
    socket.on('data', (data: Buffer) => {
      const text = tail + data.toString('latin1');
      let n = 0;
      for (let i = text.indexOf('\r\n\r\n'); i >= 0; i = text.indexOf('\r\n\r\n', i + 4)) n++;
      tail = text.slice(-3);
      if (n === 0) return;
      served += n;
      socket.write(n === 1 ? response : Buffer.concat(Array.from({ length: n }, () => response)));
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, count: () => served };
}

function startChild(role: string, arg: string): Promise<Child> {
  const proc = spawn(process.execPath, [import.meta.filename, '--role', role, arg], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code} before it was ready`)));
    proc.once('message', (m: { port: number }) => {
      resolve({
        proc,
        port: m.port,
        count: () =>
          new Promise((res) => {
            proc.once('message', (reply: { count: number }) => res(reply.count));
            proc.send('count');
          }),
        stop: async () => {
          if (proc.exitCode !== null) return;
          const exited = once(proc, 'exit');
          proc.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

// --- nginx ---

interface Nginx {
  readonly port: number;
  readonly version: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startNginx(
  dir: string,
  stable: number,
  canary: number,
  weights: [number, number],
  workers: string,
) {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const temp = (name: string) => join(dir, name);
  writeFileSync(
    conf,
    `# generated by bench/router-vs-nginx.ts
worker_processes ${workers};
daemon off;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  upstream service {
    server 127.0.0.1:${stable} weight=${weights[0]};
    server 127.0.0.1:${canary} weight=${weights[1]};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://service;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      add_header X-Runway-Version $upstream_addr;
    }
  }
}
`,
  );
  const version = spawnSync(NGINX, ['-v'], { encoding: 'utf8' })
    .stderr.trim()
    .replace(/^nginx version: /, '');
  const test = spawnSync(NGINX, ['-t', '-p', dir, '-e', temp('error.log'), '-c', conf], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t failed:\n${test.stderr}`);
  const proc = spawn(NGINX, ['-p', dir, '-e', temp('error.log'), '-c', conf], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForPort(
    port,
    () => proc.exitCode !== null,
    () => readFileSync(temp('error.log'), 'utf8'),
  );
  return {
    port,
    version,
    pid: proc.pid as number,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGQUIT');
      await exited;
    },
  } satisfies Nginx;
}

async function waitForPort(port: number, died: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (died()) throw new Error(`nginx exited at start:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve(true));
      s.once('error', () => resolve(false));
      s.once('close', () => resolve(false));
    }).catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after 5 s:\n${log()}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function haproxyVersion(): string {
  return (
    /HAProxy version (\S+)/.exec(spawnSync(HAPROXY, ['-v'], { encoding: 'utf8' }).stdout)?.[0] ?? 'HAProxy'
  );
}

// --- CPU time of the proxies (Linux /proc) ---

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU seconds used so far by `pid` and its direct children (nginx's workers), or NaN. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined || !existsSync('/proc')) return NaN;
  const stat = (p: string) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
    } catch {
      return undefined;
    }
  };
  let ticks = stat(String(pid))?.ticks ?? NaN;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const s = stat(p);
    if (s?.ppid === pid) ticks += s.ticks;
  }
  return ticks / CLOCK_TICKS;
}

// --- load generators ---

function hasWrk(): string | undefined {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return /wrk (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

/** How many connections (and wrk threads) a load run uses. */
interface Shape {
  connections: number;
  threads: number;
}

function wrk(port: number, seconds: number, o: Shape): LoadResult {
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${seconds}s`,
    '--latency',
    `http://127.0.0.1:${port}/`,
  ];
  const r = spawnSync('wrk', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`wrk ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return parseWrk(r.stdout);
}

/** Reads requests/s, the 50 % and 99 % latencies, and error counts from `wrk --latency` output. */
function parseWrk(out: string): LoadResult {
  const ms = (s: string | undefined) => {
    const m = /^([\d.]+)(us|ms|s|m)$/.exec(s ?? '');
    if (!m) return NaN;
    const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
    return Number(m[1]) * factor;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    p99: ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    errors: socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/** A bounded keep-alive load loop: `connections` requests in flight until `seconds` pass (or 5M requests). */
async function nodeLoad(port: number, seconds: number, o: Shape): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          if ((res.statusCode ?? 0) >= 400) non2xx++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: o.connections }, async () => {
      while (performance.now() < deadline && latencies.length + errors < 5_000_000) await one();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    requests: latencies.length,
    non2xx,
    errors,
  };
}

// --- the run ---

function options(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      threads: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '1' },
      canary: { type: 'string', default: '100' },
      'nginx-workers': { type: 'string', default: '1' },
      loadgen: { type: 'string', default: 'auto' },
      'light-connections': { type: 'string', default: '4' },
      'light-duration': { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      'usage: node bench/router-vs-nginx.ts [--duration 10] [--warmup 2] [--connections 32] [--threads 2]\n' +
        '                                     [--rounds 1] [--canary 100] [--nginx-workers 1] [--loadgen auto|wrk|node]\n' +
        '                                     [--light-connections 4] [--light-duration 5]',
    );
    process.exit(0);
  }
  const int = intFlag;
  if (!['auto', 'wrk', 'node'].includes(values.loadgen)) {
    console.error(`--loadgen must be auto, wrk or node, got "${values.loadgen}"`);
    process.exit(2);
  }
  if (values['nginx-workers'] !== 'auto') int('nginx-workers', values['nginx-workers'], 1, 64);
  return {
    duration: int('duration', values.duration, 1, 600),
    warmup: int('warmup', values.warmup, 0, 60),
    connections: int('connections', values.connections, 1, 4096),
    threads: int('threads', values.threads, 1, 64),
    rounds: int('rounds', values.rounds, 1, 20),
    canary: int('canary', values.canary, 0, 1000),
    nginxWorkers: values['nginx-workers'],
    loadgen: values.loadgen as Options['loadgen'],
    lightConnections: int('light-connections', values['light-connections'], 1, 4096),
    lightDuration: int('light-duration', values['light-duration'], 0, 600),
  };
}

function printTable(rows: string[][]): void {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const r of rows) {
    console.log(
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '),
    );
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function main(o: Options): Promise<void> {
  const wrkVersion = o.loadgen === 'node' ? undefined : hasWrk();
  if (o.loadgen === 'wrk' && !wrkVersion) {
    console.error('wrk is not installed: apt-get install -y wrk (or use --loadgen node)');
    process.exit(2);
  }
  const nginxPresent = existsSync(NGINX);
  if (!nginxPresent) {
    console.error(
      `${NGINX} is missing: apt-get install -y nginx-light (or nginx); measuring direct and runway only`,
    );
  }
  const load = (port: number, seconds: number, shape: Shape = o) =>
    wrkVersion ? Promise.resolve(wrk(port, seconds, shape)) : nodeLoad(port, seconds, shape);

  const dir = mkdtempSync(join(tmpdir(), 'runway-bench-nginx-'));
  const children: Child[] = [];
  let nginx: Nginx | undefined;
  let haproxy: HaproxyInstance | undefined;
  let failed = false;
  try {
    const stable = await startChild('backend', 'stable');
    const canary = await startChild('backend', 'canary');
    children.push(stable, canary);
    const weights: [number, number] = [1000 - o.canary, o.canary];
    const routes = {
      service: 'bench',
      backends: [
        { version: 'stable', target: `127.0.0.1:${stable.port}`, weight: weights[0] },
        { version: 'canary', target: `127.0.0.1:${canary.port}`, weight: weights[1] },
      ],
      addVersionHeader: true,
    };
    const runway = await startChild('runway', JSON.stringify(routes));
    children.push(runway);
    if (nginxPresent) nginx = await startNginx(dir, stable.port, canary.port, weights, o.nginxWorkers);
    if (existsSync(HAPROXY)) {
      // HAProxy as Runway drives it: an empty backend, servers added and weighed through the runtime API
      haproxy = await startHaproxy({ backend: 'bench' });
      await new HaproxyRouter({ runtimeApi: haproxy.runtimeApi, backend: 'bench' }).setRoutes({
        service: 'bench',
        environment: 'bench',
        routes: { weights: { stable: weights[0], canary: weights[1] } },
        backends: [
          { version: 'stable', address: `127.0.0.1:${stable.port}` },
          { version: 'canary', address: `127.0.0.1:${canary.port}` },
        ],
      });
    } else console.error(`${HAPROXY} is missing: apt-get install -y haproxy; measuring without it`);

    const targets: [string, number, number | undefined][] = [
      ['direct', stable.port, undefined],
      ['runway', runway.port, runway.proc.pid],
      ...(nginx ? ([['nginx', nginx.port, nginx.pid]] as [string, number, number][]) : []),
      ...(haproxy ? ([['haproxy', haproxy.port, haproxy.process.pid!]] as [string, number, number][]) : []),
    ];
    const [l1, l5, l15] = loadavg().map((x) => x.toFixed(2));
    console.log(
      `router-vs-nginx: node ${process.version}, ${availableParallelism()} CPUs, load ${l1} ${l5} ${l15}; ` +
        `${wrkVersion ? `wrk ${wrkVersion} -t${o.threads}` : 'node load generator'} -c${o.connections} ` +
        `${o.duration}s x ${o.rounds} round(s), warmup ${o.warmup}s; split ${weights[0] / 10}/${weights[1] / 10}` +
        (nginx
          ? `; nginx ${nginx.version} (${o.nginxWorkers} worker(s), weighted upstream, keepalive 64)`
          : '') +
        (haproxy ? `; ${haproxyVersion()} (weights set by Runway's haproxy router)` : ''),
    );

    const results = new Map<string, LoadResult[]>(targets.map(([name]) => [name, []]));
    const shares = new Map<string, number[]>(targets.map(([name]) => [name, []]));
    const cpuPerRequest = new Map<string, number[]>(targets.map(([name]) => [name, []]));
    for (const [, port] of targets) if (o.warmup > 0) await load(port, o.warmup);
    for (let round = 0; round < o.rounds; round++) {
      for (const [name, port, pid] of targets) {
        const before = [await stable.count(), await canary.count()] as const;
        const cpuBefore = cpuSeconds(pid);
        const r = await load(port, o.duration);
        cpuPerRequest.get(name)?.push(((cpuSeconds(pid) - cpuBefore) / r.requests) * 1e6);
        const after = [await stable.count(), await canary.count()] as const;
        const s = after[0] - before[0];
        const c = after[1] - before[1];
        results.get(name)?.push(r);
        shares.get(name)?.push(s + c > 0 ? c / (s + c) : NaN);
        if (r.non2xx > 0 || r.errors > 0) failed = true;
      }
    }

    const summary = new Map(
      targets.map(([name]) => {
        const rs = results.get(name) as LoadResult[];
        return [
          name,
          {
            rps: median(rs.map((r) => r.rps)),
            p50: median(rs.map((r) => r.p50)),
            p99: median(rs.map((r) => r.p99)),
            requests: rs.reduce((a, r) => a + r.requests, 0),
            non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
            errors: rs.reduce((a, r) => a + r.errors, 0),
            share: median(shares.get(name) as number[]),
            cpu: median(cpuPerRequest.get(name) as number[]),
          },
        ] as const;
      }),
    );
    const rows = [
      [
        'target',
        'req/s',
        'p50 ms',
        'p99 ms',
        'requests',
        'non-2xx',
        'errors',
        'canary share',
        'proxy CPU µs/req',
      ],
    ];
    for (const [name, s] of summary) {
      rows.push([
        name,
        s.rps.toFixed(0),
        s.p50.toFixed(2),
        s.p99.toFixed(2),
        String(s.requests),
        String(s.non2xx),
        String(s.errors),
        `${(s.share * 100).toFixed(1)} %`,
        Number.isNaN(s.cpu) ? '-' : s.cpu.toFixed(1),
      ]);
    }
    printTable(rows);

    const direct = summary.get('direct')!;
    const rw = summary.get('runway')!;
    const ng = summary.get('nginx');
    console.log(
      `runway p99 overhead (runway − direct): ${(rw.p99 - direct.p99).toFixed(2)} ms (aim < ${AIM_P99_OVERHEAD_MS} ms)`,
    );
    if (ng) {
      console.log(`nginx  p99 overhead (nginx − direct):  ${(ng.p99 - direct.p99).toFixed(2)} ms`);
      console.log(`throughput runway/nginx: ${(rw.rps / ng.rps).toFixed(2)} (aim ≥ ${AIM_THROUGHPUT})`);
    }
    console.log(
      `throughput runway/direct: ${(rw.rps / direct.rps).toFixed(2)}` +
        (ng ? `, nginx/direct: ${(ng.rps / direct.rps).toFixed(2)}` : ''),
    );
    const hp = summary.get('haproxy');
    if (hp) {
      console.log(`haproxy p99 overhead (haproxy − direct): ${(hp.p99 - direct.p99).toFixed(2)} ms`);
      console.log(
        `throughput haproxy/direct: ${(hp.rps / direct.rps).toFixed(2)}, haproxy/runway: ${(hp.rps / rw.rps).toFixed(2)}` +
          (ng ? `, haproxy/nginx: ${(hp.rps / ng.rps).toFixed(2)}` : ''),
      );
    }

    if (o.lightDuration > 0) {
      const shape = { connections: o.lightConnections, threads: 1 };
      console.log(
        `\nlight load (-c${shape.connections} -t1, ${o.lightDuration}s each): latency without queueing`,
      );
      const light = new Map<string, LoadResult>();
      for (const [name, port] of targets) {
        const r = await load(port, o.lightDuration, shape);
        light.set(name, r);
        if (r.non2xx > 0 || r.errors > 0) failed = true;
      }
      const lightRows = [['target', 'req/s', 'p50 ms', 'p99 ms', 'p99 − direct ms']];
      const base = light.get('direct')!.p99;
      for (const [name, r] of light) {
        lightRows.push([
          name,
          r.rps.toFixed(0),
          r.p50.toFixed(2),
          r.p99.toFixed(2),
          (r.p99 - base).toFixed(2),
        ]);
      }
      printTable(lightRows);
    }
    if (failed) console.error('some requests failed (non-2xx or socket errors): see the table');
  } finally {
    await nginx?.stop();
    await haproxy?.stop();
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[2] === '--role') {
  await runRole(process.argv[3] as string, process.argv[4] ?? '');
} else {
  await main(options());
}
