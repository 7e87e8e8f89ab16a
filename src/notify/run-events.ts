/*
 * Turns a run's engine events into notifications: run started, succeeded or failed (with every
 * failed step's reason: a gate's denial, a step killed by its timeout…, or every warning of a run
 * that succeeded), a gate that denied or warned, and an approval step that waits for people. Times come from the events, so the duration is the run's.
 */
import type { Pipeline, Step } from '../config/pipeline.ts';
import type { EngineEvent, EventSink } from '../engine/events.ts';
import { formatDuration, type Notification } from './notification.ts';

/** Where run notifications go. */
export interface Publisher {
  publish(n: Notification): void;
}

/** An event sink that publishes the run's notifications; `startedAt` is the run's creation time. */
export function runNotificationSink(
  publisher: Publisher,
  pipeline: Pipeline,
  run: { startedAt?: string } = {},
): EventSink {
  const service = pipeline.service?.name ?? pipeline.name;
  const steps = new Map<string, Step>(
    pipeline.stages.flatMap((s) => s.steps.map((step) => [step.key, step])),
  );
  const failures: string[] = [];
  const warnings: string[] = [];
  let startedAt = run.startedAt;
  let sha: string | undefined;
  const base = (e: EngineEvent) => ({ service, runId: e.runId, ...(sha ? { sha } : {}), at: e.at });

  return (e) => {
    if (e.type === 'run.started' || e.type === 'run.resumed') {
      startedAt ??= e.at;
      if (typeof e.data['sha'] === 'string') sha = e.data['sha'];
      if (e.type === 'run.resumed') return;
      publisher.publish({
        ...base(e),
        event: 'run.started',
        title: `${service}: run #${e.runId} started`,
        text: sha ? `commit ${sha.slice(0, 12)}` : '',
        startedAt,
      });
      return;
    }
    if (e.type === 'step.started') {
      const step = steps.get(String(e.data['step']));
      if (step?.uses !== 'approval') return;
      const environment = environmentOf(step);
      publisher.publish({
        ...base(e),
        event: 'approval.waiting',
        title: `${service}: run #${e.runId} waits for approval at ${step.key}`,
        text: `approve with: runway approve ${e.runId} --step ${step.key}`,
        ...(environment ? { environment } : {}),
        ...(startedAt ? { startedAt } : {}),
      });
      return;
    }
    if (e.type === 'step.finished' && e.data['status'] === 'warning') {
      const step = steps.get(String(e.data['step']));
      const reason = typeof e.data['reason'] === 'string' ? e.data['reason'] : 'warning';
      warnings.push(`${String(e.data['step'])}: ${reason}`);
      if (!step?.uses?.startsWith('gate/')) return;
      const environment = environmentOf(step);
      publisher.publish({
        ...base(e),
        event: 'gate.warned',
        title: `${service}: ${step.uses} warned on run #${e.runId}`,
        text: reason,
        reason,
        ...(environment ? { environment } : {}),
        ...(startedAt ? { startedAt } : {}),
      });
      return;
    }
    if (e.type === 'step.finished' && e.data['status'] === 'failed') {
      const step = steps.get(String(e.data['step']));
      const reason = typeof e.data['reason'] === 'string' ? e.data['reason'] : 'failed';
      if (e.data['continuedOnError'] !== true) failures.push(`${String(e.data['step'])}: ${reason}`);
      if (!step?.uses?.startsWith('gate/')) return;
      const environment = environmentOf(step);
      publisher.publish({
        ...base(e),
        event: 'gate.denied',
        title: `${service}: ${step.uses} denied run #${e.runId}`,
        text: reason,
        reason,
        ...(environment ? { environment } : {}),
        ...(startedAt ? { startedAt } : {}),
      });
      return;
    }
    if (e.type === 'run.finished') {
      const status = String(e.data['status']);
      const durationMs = startedAt ? Date.parse(e.at) - Date.parse(startedAt) : undefined;
      const took = durationMs === undefined ? '' : ` in ${formatDuration(durationMs)}`;
      const ok = status === 'succeeded';
      const reason = typeof e.data['reason'] === 'string' ? e.data['reason'] : undefined;
      publisher.publish({
        ...base(e),
        event: ok ? 'run.succeeded' : 'run.failed',
        title: `${service}: run #${e.runId} ${ok ? 'succeeded' : status === 'cancelled' ? 'was cancelled' : 'failed'}${took}`,
        text: ok ? warnings.map((w) => `warning ${w}`).join('\n') : failures.join('\n') || (reason ?? ''),
        ...(ok || reason === undefined ? {} : { reason: failures[0] ?? reason }),
        ...(startedAt ? { startedAt } : {}),
        ...(durationMs === undefined ? {} : { durationMs }),
      });
    }
  };
}

function environmentOf(step: Step): string | undefined {
  const env = step.with['environment'];
  return typeof env === 'string' && !env.includes('${{') ? env : undefined;
}
