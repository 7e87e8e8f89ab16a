/* What `notify` does when its step runs; loaded on the step's first run (see notify.ts). */
import { maskText, secretPatterns } from '../../engine/masker.ts';
import { resolveSecrets } from '../../engine/secrets.ts';
import { formatDuration } from '../../notify/notification.ts';
import { Notifications } from '../../notify/notifications.ts';
import type { Subscription } from '../../notify/subscription.ts';
import type { ActionContext, ActionResult } from '../action.ts';

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const all = ctx.run.pipeline.notifications ?? {};
  const to = ctx.inputs['to'] as string[] | undefined;
  const chosen: Record<string, Subscription> = {};
  for (const sub of Object.values(all)) {
    if (to ? to.includes(sub.name) : sub.events.includes('message'))
      chosen[sub.name] = { ...sub, events: ['message'], environments: [] };
  }
  if (Object.keys(chosen).length === 0) {
    ctx.log(
      'no subscription takes messages: nothing sent (add message to a subscription’s events, or name it in to:)',
    );
    return { ok: true, outputs: { delivered: '0' } };
  }
  const run = await ctx.store.getRun(ctx.run.id);
  const now = ctx.clock.now();
  const startedAt = run?.createdAt;
  const durationMs = startedAt ? now.getTime() - Date.parse(startedAt) : undefined;
  const service = ctx.run.pipeline.service?.name ?? ctx.run.pipeline.name;
  const environment = ctx.inputs['environment'] as string | undefined;
  const secrets = resolveSecrets(ctx.run.pipeline, ctx.hostEnv);
  const notifications = new Notifications({
    subscriptions: chosen,
    secrets,
    log: ctx.store,
    clock: ctx.clock,
  });
  notifications.publish({
    event: 'message',
    // a secret spliced into the message by an expression never leaves the machine
    title: maskText(String(ctx.inputs['message']), secretPatterns(Object.values(secrets))),
    text:
      `run #${ctx.run.id}` +
      (startedAt ? `, started ${startedAt}` : '') +
      (durationMs === undefined ? '' : `, running for ${formatDuration(durationMs)}`),
    service,
    ...(environment ? { environment } : {}),
    runId: ctx.run.id,
    ...(ctx.run.context?.sha ? { sha: ctx.run.context.sha } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(durationMs === undefined ? {} : { durationMs }),
    at: now.toISOString(),
  });
  const results = await notifications.flush();
  for (const d of results)
    ctx.log(`${d.subscription}: ${d.status} after ${d.attempts} attempt(s)${d.error ? ` (${d.error})` : ''}`);
  const failed = results.filter((d) => d.status !== 'delivered');
  if (failed.length > 0) {
    return {
      ok: false,
      reason: `not delivered to ${failed.map((d) => `${d.subscription}: ${d.error}`).join('; ')}`,
    };
  }
  return { ok: true, outputs: { delivered: String(results.length) } };
}
