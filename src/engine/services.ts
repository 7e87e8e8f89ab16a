import { join, resolve } from 'node:path';
import type { Stage } from '../config/pipeline.ts';
import type { RunningProcess } from '../executors/executor.ts';
import { buildStepEnv, renderEnv } from './environment.ts';
import { rewriteScript } from './expressions.ts';
import { appendPrivate, isDirectory, readTail } from './files.ts';
import { waitUntilReady } from './readiness.ts';
import type { RunCtx } from './run-kit.ts';

const SERVICE_GRACE_MS = 5000;

/** Starts a stage's services in order and waits for each to be ready; returns why not, if one is not. */
export async function startServices(
  ctx: RunCtx,
  stage: Stage,
  services: { name: string; proc: RunningProcess }[],
  signal: AbortSignal,
): Promise<string | undefined> {
  for (const svc of stage.services) {
    const exprCtx = () => ctx.kit.exprCtx(ctx, stage);
    const script = rewriteScript(svc.run);
    const env = buildStepEnv({
      hostEnv: ctx.kit.deps.hostEnv,
      pipeline: ctx.pipeline,
      run: ctx.run,
      stage: stage.name,
      step: `service:${svc.name}`,
      layers: [
        renderEnv(ctx.pipeline.env, exprCtx),
        renderEnv(stage.env, exprCtx),
        renderEnv(svc.env, exprCtx),
        renderEnv(Object.fromEntries(script.bindings.map((b) => [b.name, `\${{ ${b.expr} }}`])), exprCtx),
      ],
    });
    const cwd = resolve(ctx.pipeline.root, svc.workingDirectory);
    if (!isDirectory(cwd))
      return `service ${svc.name}: working-directory ${svc.workingDirectory} does not exist`;
    const logPath = join(ctx.kit.dir(ctx, stage.name), `service-${svc.name}.log`);
    const proc = ctx.kit.deps.executor.start({
      script: script.script,
      cwd,
      env,
      secrets: ctx.patterns,
      onOutput: (text) => appendPrivate(logPath, text),
    });
    services.push({ name: svc.name, proc });
    await ctx.kit.apply(ctx.run.id, {
      event: { type: 'service.started', data: { stage: stage.name, service: svc.name, pgid: proc.pgid } },
    });
    const ready = await waitUntilReady(
      svc.ready,
      { executor: ctx.kit.deps.executor, cwd, env, secrets: ctx.patterns },
      { clock: ctx.kit.deps.clock, exited: proc.exited, signal },
    );
    if (!ready.ok) {
      const tail = readTail(logPath, 5);
      return `service ${svc.name}: ${ready.reason}${tail ? `; its last output: ${tail}` : ''}`;
    }
    await ctx.kit.apply(ctx.run.id, {
      event: { type: 'service.ready', data: { stage: stage.name, service: svc.name } },
    });
  }
  return undefined;
}

/** Stops a stage's services in reverse order: SIGTERM to each group, SIGKILL after a grace period. */
export async function stopServices(
  ctx: RunCtx,
  stage: Stage,
  services: { name: string; proc: RunningProcess }[],
) {
  for (const { name, proc } of services.reverse()) {
    const result = await proc.stop(SERVICE_GRACE_MS);
    await ctx.kit.apply(ctx.run.id, {
      event: {
        type: 'service.stopped',
        data: {
          stage: stage.name,
          service: name,
          exitCode: result.exitCode,
          signal: result.signal ?? null,
        },
      },
    });
  }
}
