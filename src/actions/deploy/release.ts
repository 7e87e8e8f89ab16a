/*
 * Turns a deploy or rollout step into a request for the control plane: the release (an immutable
 * copy of the artifact under the data dir, with its digest), the environment's target, and the
 * analysis templates; then follows the rollout until it ends, one log line per event.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment } from '../../config/pipeline.ts';
import { ownsTraffic } from '../../targets/kinds.ts';
import { awaitPromotion, imageReleaseRequest } from './image-release.ts';
import type { RolloutRecord } from '../../deploy/records.ts';
import type { RolloutRequest } from '../../deploy/rollout-request.ts';
import { defaultAttestationPath, verifyReleaseAttestation } from '../../gates/supply-chain/verify-release.ts';
import { isTerminal } from '../../rollout/state.ts';
import { ServerClient, ServerError } from '../../server/client.ts';
import { locateServer, readServerInfo } from '../../server/discovery.ts';
import type { ActionContext, ActionResult } from '../action.ts';
import { stepRequestFields } from './release-inputs.ts';

/** How long a step follows a rollout while the control plane does not answer. */
const LOST_CONTROL_PLANE_MS = 5 * 60_000;
/** How long a step that starts while the control plane is down waits for it to start again. */
const RESTARTING_CONTROL_PLANE_MS = 15_000;
/** How long a step waits for the router to serve an ended rollout's final split before it fails. */
const ROUTER_CONFIRM_MS = 60_000;

/** The environment a step names, from the pipeline. */
export function environmentOf(ctx: ActionContext): Environment | string {
  const name = String(ctx.inputs['environment']);
  const env = (ctx.run.pipeline.environments ?? {})[name];
  if (!env)
    return `unknown environment "${name}"; declared: ${Object.keys(ctx.run.pipeline.environments ?? {}).join(', ') || 'none'}`;
  return env;
}

/** Builds the request for the control plane, copying the artifact into the release store. */
export function releaseRequest(
  ctx: ActionContext,
  env: Environment,
  extra: Pick<RolloutRequest, 'strategy' | 'analysis' | 'args'> = {},
): RolloutRequest | string {
  if (env.target.kind === 'kubernetes') return imageReleaseRequest(ctx, env, env.target, extra);
  if (env.target.kind !== 'local') {
    return (
      `environment "${env.name}" has a ${env.target.kind} target: runway validates it, but uses: deploy and` +
      ' uses: rollout drive only local and kubernetes targets so far (see docs/targets.md)'
    );
  }
  const service = ctx.run.pipeline.service?.name ?? ctx.run.pipeline.name;
  const sha = String((ctx.expressions as { sha?: unknown }).sha ?? '');
  const version = String(ctx.inputs['version'] ?? (sha.slice(0, 12) || 'dev'));
  let cwd = env.target.workingDirectory;
  let digest: string | undefined;
  const artifact = ctx.inputs['artifact'];
  if (typeof artifact === 'string') {
    const released = storeRelease(ctx, service, version, resolve(ctx.workingDirectory, artifact));
    if (typeof released === 'string') return released;
    ({ cwd, digest } = released);
  }
  if (env.verify) {
    // the copy that will run is what must match the attestation, not the build tree it came from
    if (typeof artifact !== 'string') {
      return `${env.name} accepts only attested releases (verify:), so the step needs an artifact: to check`;
    }
    const source = resolve(ctx.workingDirectory, artifact);
    const attestation =
      ctx.inputs['attestation'] !== undefined
        ? resolve(ctx.workingDirectory, String(ctx.inputs['attestation']))
        : defaultAttestationPath(source);
    const verdict = verifyReleaseAttestation({
      artifactPath: statSync(source).isDirectory() ? cwd : join(cwd, basename(source)),
      envelopePath: attestation,
      ...env.verify,
    });
    if (!verdict.ok)
      return `refused: ${env.name} accepts only attested releases: attestation check "${verdict.check}" failed: ${verdict.reason}`;
    ctx.log(
      `attestation verified: release ${version} is ${verdict.digest.slice(0, 19)}…, SLSA build level ${verdict.slsaLevel} (${verdict.level.why}), signed by ${verdict.signer}`,
    );
  }
  const extraEnv = Object.fromEntries(
    Object.entries((ctx.inputs['env'] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [
      k,
      String(v),
    ]),
  );
  return {
    service,
    environment: env.name,
    port: env.target.port,
    ...(env.target.previewPort === undefined ? {} : { previewPort: env.target.previewPort }),
    ...(env.router.kind === 'local' ? {} : { router: env.router }),
    release: {
      version,
      command: env.target.command,
      cwd,
      env: {
        // the instances find programs as this step does, unless the target says otherwise
        ...(ctx.hostEnv['PATH'] ? { PATH: ctx.hostEnv['PATH'] } : {}),
        ...Object.fromEntries(Object.entries(env.target.env).map(([k, v]) => [k, String(v)])),
        ...extraEnv,
        RELEASE_VERSION: version,
      },
      replicas: env.target.replicas,
      health: ctx.run.pipeline.service?.health ?? '/health',
      ...(digest ? { digest } : {}),
      readinessTimeoutMs: env.target.readyTimeoutMs,
    },
    ...stepRequestFields(ctx, extra),
  };
}

/** sha256 over the sorted relative paths and contents of a file or directory tree. */
export function treeDigest(path: string): string {
  const hash = createHash('sha256');
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else if (st.isFile()) {
      hash.update(relative(path, p) || '.');
      hash.update('\0');
      hash.update(readFileSync(p));
      hash.update('\0');
    }
  };
  walk(path);
  return `sha256:${hash.digest('hex')}`;
}

/** Copies the artifact to `<data dir>/releases/<service>/<version>` once; a version is never reused for other content. */
function storeRelease(
  ctx: ActionContext,
  service: string,
  version: string,
  source: string,
): { cwd: string; digest: string } | string {
  if (!existsSync(source))
    return `artifact ${relative(ctx.root, source)} does not exist; build it in an earlier step`;
  const digest = treeDigest(source);
  const dir = join(ctx.dataDir, 'releases', service, version);
  // beside the copy, not in it: the copy stays byte for byte what was built (and attested)
  const marker = `${dir}.digest`;
  if (existsSync(marker)) {
    const known = readFileSync(marker, 'utf8').trim();
    if (known !== digest) {
      return `version ${version} was already released with other content (${known.slice(0, 19)}… ≠ ${digest.slice(0, 19)}…); give this build a new version`;
    }
    ctx.log(`release ${service} ${version} already stored (${digest.slice(0, 19)}…)`);
    return { cwd: dir, digest };
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  cpSync(source, statSync(source).isDirectory() ? tmp : join(tmp, relative(resolve(source, '..'), source)), {
    recursive: true,
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(marker, digest + '\n');
  ctx.log(
    `released ${service} ${version} (${digest.slice(0, 19)}…) from ${relative(ctx.root, source) || '.'}`,
  );
  return { cwd: dir, digest };
}

/**
 * A client of the control plane, or the reason there is none. One that was killed (its
 * `server.json` left behind, as `runway serve stop` never does) is being started again more often
 * than not: the step waits for it a little before giving the advice.
 */
export async function controlPlane(ctx: ActionContext): Promise<ServerClient | string> {
  const file = relative(process.cwd(), ctx.run.pipeline.file) || ctx.run.pipeline.file;
  // this step fails the run, and an ended run cannot be resumed: the way on is a new run
  const hint =
    `start it in another terminal with \`runway serve -f ${file}\`` +
    ` (or set RUNWAY_SERVER and RUNWAY_TOKEN), then run the pipeline again: \`runway run -f ${file}\``;
  const notRunning = `the control plane is not running: deploy and rollout steps are carried out by it; ${hint}`;
  const deadline = Date.now() + RESTARTING_CONTROL_PLANE_MS;
  let told = false;
  for (;;) {
    const found = locateServer(ctx.dataDir, ctx.hostEnv);
    let why = notRunning;
    if (found) {
      const client = new ServerClient(found);
      try {
        await client.health();
        return client;
      } catch (err) {
        why = `${(err as Error).message}; ${hint}`;
      }
    }
    // known but not answering, or killed (its server.json left behind): worth waiting for
    const worthWaiting = found !== undefined || readServerInfo(ctx.dataDir) !== undefined;
    if (!worthWaiting || Date.now() > deadline || ctx.signal.aborted) return why;
    if (!told) {
      ctx.log(
        `the control plane is not answering (${found ? 'starting, or busy' : 'it stopped without shutting down'}); waiting up to ${RESTARTING_CONTROL_PLANE_MS / 1000}s for it`,
      );
      told = true;
    }
    await sleep(250);
  }
}

/** Sends the request, then follows the rollout to its end, logging every event. */
export async function runRollout(
  ctx: ActionContext,
  client: ServerClient,
  req: RolloutRequest,
): Promise<ActionResult> {
  let rollout: RolloutRecord;
  // an already finished rollout (the version was stable before this run) is not replayed
  let seen = 0;
  try {
    // the request carries the step's idempotency key: sending it again after a lost answer is safe
    let res: Awaited<ReturnType<ServerClient['createRollout']>> | undefined;
    const lostSince = Date.now();
    let told = false;
    while (!res) {
      try {
        res = await client.createRollout(req);
      } catch (err) {
        if (!(err instanceof ServerError && err.status === 0)) throw err;
        if (ctx.signal.aborted || Date.now() - lostSince > LOST_CONTROL_PLANE_MS) throw err;
        if (!told) ctx.log(`${err.message}; waiting for it`);
        told = true;
        await sleep(500);
        const found = locateServer(ctx.dataDir, ctx.hostEnv);
        if (found) client = new ServerClient(found);
      }
    }
    rollout = res.rollout;
    if (res.note) {
      ctx.log(res.note);
      seen = rollout.state.history.length;
    } else {
      ctx.log(
        `${res.created ? 'started' : 'following'} ${rollout.id}: ${req.service} ${rollout.stable?.version ?? '(nothing)'} → ${rollout.canary.version} in ${req.environment}`,
      );
      if (!rollout.stable)
        ctx.log(
          `no stable release in ${req.environment} yet: deploying directly, nothing to compare against`,
        );
    }
  } catch (err) {
    return { ok: false, reason: describe(err) };
  }

  let aborted = false;
  let lostSince: number | undefined;
  let endedAt: number | undefined;
  let waitSaid = false;
  for (;;) {
    for (const h of rollout.state.history.slice(seen))
      ctx.log(`${h.at.slice(11, 23)} ${h.event}: ${h.detail}`);
    seen = rollout.state.history.length;
    // an end counts once the router serves the final split (read back from it by the controller)
    if (isTerminal(rollout.state.phase)) {
      if (rollout.dataPlane !== 'pending') break;
      endedAt ??= Date.now();
      // the controller reads the split back right after applying it: say so only when that lasts
      if (!waitSaid && Date.now() - endedAt >= 1000) {
        waitSaid = true;
        ctx.log(`${rollout.state.phase}; waiting for the router to serve the final split`);
      }
      const waited = Date.now() - endedAt;
      if (ctx.signal.aborted || waited > ROUTER_CONFIRM_MS) {
        return {
          ok: false,
          reason: `${rollout.id} ${rollout.state.phase}, but its router has not served the final split after ${(waited / 1000).toFixed(0)}s; the control plane keeps applying it (runway rollout status ${req.service} --env ${req.environment})`,
        };
      }
    }
    if (ctx.signal.aborted && !aborted) {
      aborted = true;
      await client
        .command(req.service, req.environment, 'abort', `run ${ctx.run.id} (cancelled)`)
        .catch(() => undefined);
    }
    await sleep(250);
    try {
      rollout = (await client.rollout(rollout.id)).rollout;
      if (lostSince !== undefined) ctx.log('the control plane is back; following the rollout again');
      lostSince = undefined;
    } catch (err) {
      if (!(err instanceof ServerError && err.status === 0)) return { ok: false, reason: describe(err) };
      // the control plane restarted (maybe on another port) or is down: the rollout goes on without
      // us, the data plane keeps serving; find it again
      lostSince ??= Date.now();
      if (Date.now() - lostSince > LOST_CONTROL_PLANE_MS) {
        return {
          ok: false,
          reason: `lost the control plane for ${LOST_CONTROL_PLANE_MS / 1000}s while following ${rollout.id}; it continues when the control plane runs again (runway rollout status ${req.service} --env ${req.environment})`,
        };
      }
      if (Date.now() - lostSince < 1500) ctx.log(`${err.message}; waiting for it`);
      await sleep(500);
      const found = locateServer(ctx.dataDir, ctx.hostEnv);
      if (found) client = new ServerClient(found);
    }
  }
  const s = rollout.state;
  for (const [id, report] of Object.entries(rollout.reports ?? {})) {
    if (report.phase === 'successful') continue;
    ctx.log(`analysis ${id}: ${report.phase}${report.message ? ` — ${report.message}` : ''}`);
    for (const line of report.lines) ctx.log(`  ${line}`);
  }
  const evidence = { 'rollout.phase': s.phase, 'rollout.revision': rollout.canary.revision };
  const outputs = {
    version: rollout.canary.version,
    revision: String(rollout.canary.revision),
    rollout: rollout.id,
  };
  if (s.phase === 'completed' && req.target !== undefined && !ownsTraffic(req.target)) {
    // a cluster target promotes after the rollout is recorded complete: the step ends with it
    // (an Argo Rollout is complete when it reports Healthy: nothing is left to wait for)
    const failed = await awaitPromotion(ctx, client, req, rollout.canary.version);
    if (failed !== undefined) return { ok: false, reason: failed, outputs, evidence };
  }
  if (s.phase === 'completed') return { ok: true, outputs, evidence };
  const failed = Object.values(rollout.reports ?? {}).find(
    (r) => r.phase === 'failed' || r.phase === 'error',
  );
  const why = failed?.lines.find((l) => /fail|error/i.test(l)) ?? failed?.message;
  return {
    ok: false,
    reason: `${s.phase === 'rolled-back' ? 'rolled back' : s.phase}: ${s.abortReason ?? 'no reason recorded'}${why ? ` (${why})` : ''}; ${rollout.stable ? `${rollout.stable.version} keeps serving ${req.environment}` : `nothing was serving ${req.environment} before`}`,
    outputs,
    evidence,
  };
}

function describe(err: unknown): string {
  if (err instanceof ServerError && err.issues.length > 0) {
    return `${err.message}: ${err.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
  }
  return (err as Error).message;
}
