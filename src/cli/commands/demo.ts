import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { PACKAGE_ROOT } from '../../package-root.ts';
import { generateSigningKey } from '../../gates/supply-chain/keys.ts';
import { check, next } from '../../gates/windows/evaluate.ts';
import { presetCalendars } from '../../gates/windows/presets.ts';
import { systemClock } from '../../engine/clock.ts';
import { delimiter, join, resolve } from 'node:path';
import { treeDigest } from '../../actions/deploy/release.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadPipeline } from '../../config/load.ts';
import type { Pipeline } from '../../config/pipeline.ts';
import { readRunContext } from '../../engine/run-context.ts';
import { isTerminal } from '../../rollout/state.ts';
import { ServerClient, ServerError } from '../../server/client.ts';
import { defaultStoreUrl, openStore } from '../../store/open.ts';
import type { Store } from '../../store/store.ts';
import { demoControlPlane } from '../demo/control-plane.ts';
import { startTraffic, type TrafficReport } from '../demo/traffic.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { dataDirFor, instantFlag, JSON_FLAG, parse, STORE_FLAG } from '../setup.ts';
import { execute } from './run.ts';

/** The commit message the demo's commit stage checks. */
export const DEMO_MESSAGE = 'feat(checkout): quote carts with 8.25% sales tax';

const REPO = PACKAGE_ROOT;

/** Share of requests the rehearsal's faulty version fails. */
const FAULT_RATIO = 0.3;

/**
 * `runway demo`: runs examples/runway.yaml on the sample service twice, offline, at any hour —
 * first a good change that goes through staging and a canary to 100% of production, then
 * a faulty version (a rollback rehearsal: the data plane fails 30% of its requests) that the
 * canary analysis catches and rolls back on its own. Steady traffic flows through production all
 * along.
 */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...JSON_FLAG,
    ...STORE_FLAG,
    'keep-running': { type: 'boolean' },
    at: { type: 'string' },
  });
  const json = Boolean(values.json);
  const file = join(REPO, 'examples', 'runway.yaml');
  if (!existsSync(file))
    throw new UsageError(
      'runway demo runs from a checkout of the runway repository (its examples/ and their tools); ' +
        'in a project of your own, "runway init" writes a pipeline and a sample service to run',
    );
  const pipeline = loadPipeline(file);
  const url =
    values.store !== undefined ? `sqlite:${resolve(io.cwd, values.store)}` : defaultStoreUrl(pipeline.root);
  const dataDir = dataDirFor(REPO, url);
  const bin = join(REPO, 'node_modules', '.bin');
  const demoIo: Io = { ...io, env: { ...io.env, PATH: `${bin}${delimiter}${io.env['PATH'] ?? ''}` } };
  const say = (type: string, data: Record<string, unknown>, text: string) =>
    io.out(json ? `${JSON.stringify({ type, ...data })}\n` : text);
  const production = pipeline.environments['production']!;
  if (production.target.kind !== 'local') throw new UsageError('the demo runs on the local target');
  const service = pipeline.service?.name ?? pipeline.name;

  say(
    'demo.started',
    { file: pipeline.file },
    paint(io, 'bold', 'Runway demo') +
      ` — ${pipeline.stages.length} stages of ${pipeline.file} on the sample ${service}, twice\n` +
      paint(
        io,
        'dim',
        'commit → build (SBOM, signed provenance) → unit ∥ integration ∥ security → golden path → staging → canary in production, its steps picked by the release gate (slow while the error budget is unknown: 1% → 5% → 10% → 25% → 50% → 100%)\n',
      ),
  );
  const gateAt =
    values.at !== undefined
      ? { at: instantFlag(values.at, systemClock, '--at'), auto: false }
      : demoGateTime(new Date());
  if (gateAt.auto) {
    say(
      'demo.gate-time',
      { at: gateAt.at.toISOString() },
      paint(
        io,
        'dim',
        `the deployment window (business-hours, UTC) is closed now, so the release gate is evaluated as of its next opening, ${gateAt.at.toISOString()}; --at TIME chooses another\n`,
      ),
    );
  }
  const at = gateAt.at;
  // the build signs its release and production runs only signed releases: a key pair for the demo
  const keys = join(pipeline.root, '.runway', 'keys');
  if (!existsSync(join(keys, 'runway-signing.key'))) generateSigningKey(keys);
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
  // a signal stops what the demo started, so no control plane is left behind
  const onSignal = (sig: NodeJS.Signals) => {
    io.err(`\nrunway demo: ${sig}: stopping\n`);
    void (values['keep-running'] ? Promise.resolve() : plane.stop()).finally(() =>
      process.exit(sig === 'SIGINT' ? 130 : 143),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
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
  } catch (err) {
    if (!values['keep-running']) await plane.stop();
    if (err instanceof ServerError)
      throw new UsageError(
        `the demo cannot deploy its baseline to production: ${err.message}` +
          ` (environments.production.target.port in ${pipeline.file})`,
      );
    throw err;
  }
  const traffic = startTraffic(production.target.port, '/v1/prices/MUG-CERAMIC', 100);
  const store = await openStore(url);
  await allowWorkstationProvenance(store, service, at, (id) =>
    say(
      'demo.override',
      { id, rules: ['slsa-level'] },
      paint(
        io,
        'dim',
        `override #${id} (slsa-level): a workstation build reaches SLSA build level 1–2, production asks for 3\n`,
      ),
    ),
  );
  let good: number = EXIT.failed;
  let bad: number = EXIT.failed;
  let report: TrafficReport | undefined;
  try {
    say(
      'demo.run',
      { n: 1 },
      `\n${paint(io, 'bold', '1/2')} a good change: through staging and a canary to 100% of production\n\n`,
    );
    good = await runOnce(demoIo, store, pipeline, json, dataDir, at);
    const first = await client.environment(service, 'production').catch(() => undefined);
    const stable = first?.environment.stable?.version;
    const refusal = good === EXIT.ok ? undefined : await gateRefusal(store);
    say(
      'demo.result',
      { n: 1, stable: stable ?? null, ...(refusal ? { gate: refusal } : {}) },
      good === EXIT.ok
        ? `\n${paint(io, 'green', '✔')} ${service} ${stable} serves 100% of production\n`
        : refusal
          ? `\n${paint(io, 'red', '✖')} the release gate refused production as of ${at.toISOString()}: ${refusal}\n` +
            paint(
              io,
              'dim',
              `  an emergency override lets it through, audited: runway override grant -f examples/runway.yaml --service ${service} --env production --rules window --reason "…" --expires 2h --as demo@runway.invalid\n`,
            )
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
      bad = await runOnce(demoIo, store, pipeline, json, dataDir, at);
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
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
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

/** Why the release gate refused the last run, if it did. */
async function gateRefusal(store: Store): Promise<string | undefined> {
  const [run] = await store.listRuns({ limit: 1 });
  if (!run) return undefined;
  const step = (await store.steps(run.id)).find((s) => s.key === 'release-gate/decision');
  return step?.status === 'failed' ? step.reason : undefined;
}

/**
 * When the release gate is evaluated: now if the seeds' window (business-hours in UTC) is open
 * long enough for the slowest canary the gate may choose (80 min), else its next opening, so the demo works any day at any hour.
 */
function demoGateTime(now: Date): { at: Date; auto: boolean } {
  const calendar = presetCalendars()['business-hours']!;
  const here = check(calendar, now);
  if (here.open && (here.until === undefined || here.until.getTime() - now.getTime() > 90 * 60_000)) {
    return { at: now, auto: false };
  }
  const { opensAt } = next(calendar, now);
  return { at: opensAt ?? now, auto: true };
}

/**
 * The default policy asks for SLSA build level 3 in production, which needs an isolated, hosted
 * builder; a workstation honestly records 1 (2 on CI). The demo grants the audited override a
 * release manager would, scoped to that one rule, and the gate's decision shows it.
 */
async function allowWorkstationProvenance(
  store: Store,
  service: string,
  at: Date,
  announce: (id: number) => void,
): Promise<void> {
  const active = await store.overrides({ service, environment: 'production', activeAt: at.toISOString() });
  if (active.some((o) => o.rules.includes('slsa-level') && o.grantedBy === 'demo@runway.invalid')) return;
  const now = new Date();
  const validFrom = new Date(Math.min(now.getTime(), at.getTime()));
  const id = await store.grantOverride({
    service,
    environment: 'production',
    rules: ['slsa-level'],
    reason: 'demo build on a workstation: SLSA build level 3 needs an isolated, hosted builder',
    grantedBy: 'demo@runway.invalid',
    grantedAt: now.toISOString(),
    validFrom: validFrom.toISOString(),
    expiresAt: new Date(Math.max(now.getTime(), at.getTime()) + 3_600_000).toISOString(),
  });
  announce(id);
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
  if (env.target.kind !== 'local') throw new UsageError('the demo runs on the local target');
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
  at: Date,
): Promise<number> {
  // the sample service's own change, so the demo never depends on the message of Runway's HEAD
  const context = readRunContext(REPO, {
    trigger: 'demo',
    message: DEMO_MESSAGE,
    author: 'Runway Demo <demo@runway.invalid>',
    at: at.toISOString(),
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
