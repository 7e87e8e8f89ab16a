import { cpSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { treeDigest } from '../../actions/deploy/release.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadPipeline } from '../../config/load.ts';
import type { Pipeline } from '../../config/pipeline.ts';
import { readRunContext } from '../../engine/run-context.ts';
import { isTerminal } from '../../rollout/state.ts';
import { ServerClient } from '../../server/client.ts';
import { defaultStoreUrl, openStore } from '../../store/open.ts';
import type { Store } from '../../store/store.ts';
import { demoControlPlane } from '../demo/control-plane.ts';
import { startTraffic, type TrafficReport } from '../demo/traffic.ts';
import { EXIT } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { dataDirFor, JSON_FLAG, parse } from '../setup.ts';
import { execute } from './run.ts';

/** The commit message the demo's commit stage checks. */
export const DEMO_MESSAGE = 'feat(checkout): quote carts with 8.25% sales tax';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Share of requests the rehearsal's faulty version fails. */
const FAULT_RATIO = 0.3;

/**
 * `runway demo`: runs examples/runway.yaml on the sample service twice, offline, at any hour —
 * first a good change that goes through staging and a tier-2 canary to 100% of production, then
 * a faulty version (a rollback rehearsal: the data plane fails 30% of its requests) that the
 * canary analysis catches and rolls back on its own. Steady traffic flows through production all
 * along.
 */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...JSON_FLAG, 'keep-running': { type: 'boolean' } });
  const json = Boolean(values.json);
  const file = join(REPO, 'examples', 'runway.yaml');
  const pipeline = loadPipeline(file);
  const url = defaultStoreUrl(pipeline.root);
  const dataDir = dataDirFor(REPO, url);
  const bin = join(REPO, 'node_modules', '.bin');
  const demoIo: Io = { ...io, env: { ...io.env, PATH: `${bin}${delimiter}${io.env['PATH'] ?? ''}` } };
  const say = (type: string, data: Record<string, unknown>, text: string) =>
    io.out(json ? `${JSON.stringify({ type, ...data })}\n` : text);
  const production = pipeline.environments['production']!;
  const service = pipeline.service?.name ?? pipeline.name;

  say(
    'demo.started',
    { file: pipeline.file },
    paint(io, 'bold', 'Runway demo') +
      ` — ${pipeline.stages.length} stages of ${pipeline.file} on the sample ${service}, twice\n` +
      paint(
        io,
        'dim',
        'commit → build → unit ∥ integration → golden path → staging → tier-2 canary in production (10% → 50% → 100%)\n',
      ),
  );
  const plane = await demoControlPlane(REPO, dataDir, url);
  say(
    'demo.control-plane',
    { url: plane.url, started: plane.started },
    paint(
      io,
      'dim',
      `control plane ${plane.url} (runway serve)${plane.started ? '' : ', already running'}\n`,
    ),
  );
  const client = new ServerClient(plane);
  await bootstrap(client, pipeline, dataDir, (version) =>
    say(
      'demo.baseline',
      { version },
      paint(
        io,
        'dim',
        `production runs ${version}, the release before this change (deployed once, on the first demo)\n`,
      ),
    ),
  );
  const traffic = startTraffic(production.target.port, '/v1/prices/MUG-CERAMIC', 40);
  const store = openStore(url);
  let good: number = EXIT.failed;
  let bad: number = EXIT.failed;
  let report: TrafficReport | undefined;
  try {
    say(
      'demo.run',
      { n: 1 },
      `\n${paint(io, 'bold', '1/2')} a good change: through staging and a tier-2 canary to 100% of production\n\n`,
    );
    good = await runOnce(demoIo, store, pipeline, json, dataDir);
    const first = await client.environment(service, 'production').catch(() => undefined);
    const stable = first?.environment.stable?.version;
    say(
      'demo.result',
      { n: 1, stable: stable ?? null },
      good === EXIT.ok
        ? `\n${paint(io, 'green', '✔')} ${service} ${stable} serves 100% of production\n`
        : `\n${paint(io, 'red', '✖')} the good change did not reach production\n`,
    );
    if (good === EXIT.ok) {
      say(
        'demo.run',
        { n: 2 },
        `\n${paint(io, 'bold', '2/2')} a faulty version: the canary analysis must catch it and roll back on its own\n\n`,
      );
      const rehearsal = rehearse(client, service, stable, (version) =>
        say(
          'demo.fault',
          { version, errorRatio: FAULT_RATIO },
          paint(
            io,
            'yellow',
            `  rehearsal: ${version} now fails ${FAULT_RATIO * 100}% of its requests (runway fault set ${service} --env production --version ${version} --error-ratio ${FAULT_RATIO})\n`,
          ),
        ),
      );
      bad = await runOnce(demoIo, store, pipeline, json, dataDir);
      const faulty = await rehearsal.done();
      const after = await client.environment(service, 'production').catch(() => undefined);
      const rolledBack =
        after?.rollout?.state.phase === 'rolled-back' && after.rollout.canary.version === faulty;
      say(
        'demo.result',
        {
          n: 2,
          rolledBack,
          reason: after?.rollout?.state.abortReason ?? null,
          stable: after?.environment.stable?.version ?? null,
        },
        rolledBack
          ? `\n${paint(io, 'green', '✔')} ${faulty} was rolled back automatically: ${after?.rollout?.state.abortReason}; ${after?.environment.stable?.version} serves 100% again\n`
          : `\n${paint(io, 'red', '✖')} the faulty version was not rolled back\n`,
      );
      bad = rolledBack ? EXIT.ok : EXIT.failed;
      if (faulty) await client.setFaults(service, 'production', faulty, null).catch(() => undefined);
    }
  } finally {
    report = await traffic.stop();
    await store.close();
    if (!values['keep-running']) await plane.stop();
  }
  const served = Object.entries(report.byCode)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ');
  say(
    'demo.traffic',
    { ...report },
    `\nproduction traffic during the demo: ${report.sent} requests (${served})${report.byCode['500'] ? "; the 500s are the faulty canary's, before its rollback" : ''}\n` +
      `explore: runway runs --store ${url.replace(/^sqlite:/, '')}   ·   runway rollout history ${service} --env production -f examples/runway.yaml (while runway serve runs)\n`,
  );
  return good === EXIT.ok && bad === EXIT.ok ? EXIT.ok : EXIT.failed;
}

/**
 * Production needs a stable release for a canary to compare against. On the first demo there is
 * none, so the sample service as checked in becomes the baseline release, deployed directly.
 */
async function bootstrap(
  client: ServerClient,
  pipeline: Pipeline,
  dataDir: string,
  announce: (version: string) => void,
): Promise<void> {
  const service = pipeline.service?.name ?? pipeline.name;
  const env = pipeline.environments['production']!;
  const current = await client.environment(service, 'production').catch(() => undefined);
  if (current?.environment.stable) return;
  const source = join(pipeline.root, 'checkout-api');
  const digest = treeDigest(join(source, 'src'));
  const version = `baseline-${digest.slice(7, 14)}`;
  const cwd = join(dataDir, 'releases', service, version);
  mkdirSync(cwd, { recursive: true });
  cpSync(join(source, 'src'), join(cwd, 'src'), { recursive: true });
  cpSync(join(source, 'package.json'), join(cwd, 'package.json'));
  const { rollout } = await client.createRollout({
    service,
    environment: 'production',
    port: env.target.port,
    release: {
      version,
      command: env.target.command,
      cwd,
      env: { PATH: process.env['PATH'] ?? '', RELEASE_VERSION: version },
      replicas: env.target.replicas,
      health: pipeline.service?.health ?? '/health',
      digest,
      readinessTimeoutMs: env.target.readyTimeoutMs,
    },
    key: `demo-baseline-${version}`,
    by: 'runway demo',
  });
  for (let i = 0; i < 200; i++) {
    const { rollout: r } = await client.rollout(rollout.id);
    if (r.state.phase === 'completed') return announce(version);
    if (isTerminal(r.state.phase))
      throw new Error(`the baseline release did not start: ${r.state.abortReason}`);
    await sleep(100);
  }
  throw new Error('the baseline release did not become ready within 20s');
}

async function runOnce(
  io: Io,
  store: Store,
  pipeline: Pipeline,
  json: boolean,
  dataDir: string,
): Promise<number> {
  // the sample service's own change, so the demo never depends on the message of Runway's HEAD
  const context = readRunContext(REPO, {
    trigger: 'demo',
    message: DEMO_MESSAGE,
    author: 'Runway Demo <demo@runway.invalid>',
  });
  return execute(
    io,
    store,
    pipeline,
    json,
    (engine, signal) => engine.start(pipeline, context, signal),
    dataDir,
  );
}

/** Injects faults into the next canary of production as soon as it exists. */
function rehearse(
  client: ServerClient,
  service: string,
  stable: string | undefined,
  announce: (version: string) => void,
): { done(): Promise<string | undefined> } {
  let stop = false;
  const watching = (async () => {
    while (!stop) {
      const s = await client.environment(service, 'production').catch(() => undefined);
      const r = s?.rollout;
      if (r && r.canary.version !== stable && !isTerminal(r.state.phase)) {
        await client.setFaults(service, 'production', r.canary.version, { errorRatio: FAULT_RATIO });
        announce(r.canary.version);
        return r.canary.version;
      }
      await sleep(100);
    }
    return undefined;
  })();
  return {
    async done() {
      stop = true;
      return watching;
    },
  };
}
