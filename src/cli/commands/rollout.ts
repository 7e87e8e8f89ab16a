import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal } from '../../rollout/state.ts';
import { ServerError, type ServerClient } from '../../server/client.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { renderStatus } from '../render/rollout.ts';
import {
  FILE_FLAG,
  JSON_FLAG,
  parse,
  refusal,
  serverClientFor,
  serverRunning,
  STORE_FLAG,
  storeFor,
  whoAmI,
} from '../setup.ts';

const SUBCOMMANDS = ['status', 'promote', 'pause', 'resume', 'abort', 'retry', 'undo', 'history'] as const;
const USAGE =
  'runway rollout status|promote|pause|resume|abort|retry|undo|history SERVICE --env ENV [--full] [--to-revision N | --to-version V] [--watch] [--as WHO] [--json]';

/** `runway rollout …`: a thin client of the control plane's API. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...FILE_FLAG,
    ...STORE_FLAG,
    ...JSON_FLAG,
    env: { type: 'string', short: 'e' },
    full: { type: 'boolean' },
    'to-revision': { type: 'string' },
    'to-version': { type: 'string' },
    watch: { type: 'boolean', short: 'w' },
    as: { type: 'string' },
  });
  const [sub, service] = positionals;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(
      `${sub ? `unknown subcommand "${sub}"` : 'a subcommand is needed'} — usage: ${USAGE}`,
    );
  }
  if (!service) throw new UsageError(`a service is needed — usage: ${USAGE}`);
  if (!values.env)
    throw new UsageError(`--env is needed (the environment, e.g. production) — usage: ${USAGE}`);
  if (values.full && sub !== 'promote') throw new UsageError('--full goes with promote only');
  if (values['to-revision'] !== undefined && sub !== 'undo')
    throw new UsageError('--to-revision goes with undo only');
  if (values['to-version'] !== undefined && sub !== 'undo')
    throw new UsageError('--to-version goes with undo only');
  if (values['to-version'] !== undefined && values['to-revision'] !== undefined)
    throw new UsageError('give --to-revision or --to-version, not both');
  if (values.watch && sub !== 'status') throw new UsageError('--watch goes with status only');
  let toRevision: number | undefined;
  if (values['to-revision'] !== undefined) {
    toRevision = Number(values['to-revision']);
    if (!Number.isInteger(toRevision) || toRevision < 1) {
      throw new UsageError(`--to-revision must be a positive whole number, got "${values['to-revision']}"`);
    }
  }
  const env = values.env;
  if (sub === 'status' && !values.watch && !serverRunning(io, values)) {
    return storedStatus(io, values, service, env, Boolean(values.json));
  }
  const client = serverClientFor(io, values);
  const by = whoAmI(io, values.as);
  const print = (data: unknown, text: string) =>
    io.out(values.json ? `${JSON.stringify(data, null, 2)}\n` : text);
  try {
    switch (sub) {
      case 'status':
        return values.watch
          ? await watch(io, client, service, env, Boolean(values.json))
          : await status(io, client, service, env, Boolean(values.json));
      case 'history': {
        const s = await client.environment(service, env);
        const { rollouts } = await client.rollouts({ service, environment: env, limit: 20 });
        const current = s.environment.stable?.version;
        const lines = s.environment.revisions.revisions
          .map(
            (r) =>
              `  ${String(r.number).padStart(3)}  ${r.version.padEnd(24)} ${r.recordedAt}${r.version === current ? '  (stable)' : ''}`,
          )
          .reverse();
        const outcomes = rollouts.map(
          (r) =>
            `  ${r.id.padEnd(36)} ${r.state.phase.padEnd(12)} ${r.canary.version}${r.state.abortReason ? `  — ${r.state.abortReason}` : ''}`,
        );
        print(
          {
            revisions: s.environment.revisions.revisions,
            rollouts: rollouts.map((r) => ({
              id: r.id,
              phase: r.state.phase,
              version: r.canary.version,
              revision: r.canary.revision,
              reason: r.state.abortReason ?? null,
              createdAt: r.createdAt,
            })),
          },
          `revisions of ${service} in ${env} (newest first):\n${lines.join('\n')}\nrollouts:\n${outcomes.join('\n')}\n`,
        );
        return EXIT.ok;
      }
      case 'undo': {
        const to = { revision: toRevision, version: values['to-version'] };
        const { rollout, nothing } = await client.undo(service, env, to, by);
        if (rollout === null) {
          print({ rollout, nothing }, `${nothing}\n`);
          return EXIT.ok;
        }
        print(
          { rollout },
          `rolling ${service} in ${env} back to ${rollout.canary.version} (revision ${rollout.canary.revision}) as ${rollout.id}\n`,
        );
        return EXIT.ok;
      }
      default: {
        const command = sub === 'promote' && values.full ? 'promote-full' : sub;
        const started = performance.now();
        const { rollout } = await client.command(service, env, command, by);
        const ms = performance.now() - started;
        const extra =
          command === 'abort'
            ? `; traffic back to ${rollout.stable?.version ?? 'stable'} in ${ms.toFixed(0)} ms`
            : '';
        print({ rollout, ms }, `${command}: ${rollout.id} is ${rollout.state.phase}${extra}\n`);
        return EXIT.ok;
      }
    }
  } catch (err) {
    if (err instanceof ServerError) {
      if (err.status === 404 || err.status === 409 || err.status === 400 || err.status === 0)
        throw refusal(err);
      if (err.status === 401) {
        io.err(`runway: ${err.message}\n`);
        return EXIT.auth;
      }
    }
    throw err;
  }
}

async function status(
  io: Io,
  client: ServerClient,
  service: string,
  env: string,
  json: boolean,
): Promise<number> {
  const s = await client.environment(service, env);
  io.out(json ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(io, s));
  return EXIT.ok;
}

/** Shows the rollout live until it ends: redrawn on a terminal, new events only otherwise. */
async function watch(
  io: Io,
  client: ServerClient,
  service: string,
  env: string,
  json: boolean,
): Promise<number> {
  let seen = -1;
  let drawn = 0;
  for (;;) {
    const s = await client.environment(service, env);
    const r = s.rollout;
    if (json) {
      const n = r?.state.history.length ?? 0;
      if (n !== seen) io.out(`${JSON.stringify(s)}\n`);
      seen = n;
    } else if (io.tty) {
      const text = renderStatus(io, s);
      if (drawn > 0) io.out(`\x1b[${drawn}F\x1b[J`);
      io.out(text);
      drawn = text.split('\n').length - 1;
    } else if (r) {
      if (seen < 0) io.out(renderStatus(io, s));
      else
        for (const h of r.state.history.slice(seen))
          io.out(`${h.at.slice(11, 23)} ${h.event}: ${h.detail}\n`);
      seen = r.state.history.length;
    }
    // an end counts once the router serves the final split
    if (!r || (isTerminal(r.state.phase) && r.dataPlane !== 'pending')) {
      return r && r.state.phase !== 'completed' ? EXIT.failed : EXIT.ok;
    }
    await sleep(500);
  }
}

/**
 * `rollout status` while the control plane is down: what the store holds (the data plane keeps
 * serving it), without live instances, and says so.
 */
async function storedStatus(
  io: Io,
  flags: { store?: string | undefined; file?: string | undefined },
  service: string,
  env: string,
  json: boolean,
): Promise<number> {
  const { store } = await storeFor(io, flags, { existing: true });
  try {
    const environment = await store.getEnvironment(service, env);
    if (!environment) throw new UsageError(`${service} has never been deployed to ${env}`);
    const [rollout] = await store.rollouts({ service, environment: env, limit: 1 });
    const s = { environment, rollout: rollout ?? null, analysis: {}, site: null };
    if (json) io.out(`${JSON.stringify({ ...s, controlPlane: 'not running' }, null, 2)}\n`);
    else {
      io.err('runway: the control plane is not running; showing the stored state (no live instances)\n');
      io.out(renderStatus(io, s));
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
