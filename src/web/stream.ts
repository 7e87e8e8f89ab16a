/*
 * Live updates for the dashboard over Server-Sent Events: `GET /v1/stream?view=…` sends the page's
 * view (views.ts) as an `event: view` whenever it changes, checked every second, and on the
 * rollout page an `event: traffic` point per second: each version's requests, error ratio and p95
 * latency over that second, read from the data plane's counters (deltas, as PromQL's `increase`),
 * and each version's error ratio since it started.
 */
import { deltaSnapshots } from '../agent/metrics/version-snapshot.ts';
import type { VersionSnapshot } from '../agent/metrics/version-snapshot.ts';
import { histogramQuantile } from '../agent/metrics/histogram.ts';
import { DeployError } from '../deploy/deployments.ts';
import type { CountSource } from '../interop/argo/web-metric.ts';
import { gatesView, overviewView, rolloutView, runView } from './views.ts';
import type { ViewDeps } from './views.ts';

export interface StreamDeps extends ViewDeps {
  counts?: CountSource;
  /** How often views are recomputed (ms). */
  intervalMs?: number;
}

/** Which view a stream request names, or a 400. */
export function viewOf(d: StreamDeps, q: URLSearchParams): () => Promise<unknown> {
  const view = q.get('view') ?? 'overview';
  const id = q.get('id') ?? '';
  switch (view) {
    case 'overview':
      return () => overviewView(d);
    case 'gates':
      return () => gatesView(d);
    case 'rollout':
      if (!id) throw new DeployError(400, 'view=rollout needs id=ROLLOUT');
      return () => rolloutView(d, id);
    case 'run': {
      const n = Number(id);
      if (!Number.isInteger(n) || n < 1) throw new DeployError(400, 'view=run needs id=RUN (a number)');
      return () => runView(d, n);
    }
    default:
      throw new DeployError(400, `view "${view}" is not one of overview, rollout, run, gates`);
  }
}

/** Where a watched view is written: an SSE stream. */
export interface ViewSink {
  send(event: string, data: string): Promise<void>;
  comment(text: string): Promise<unknown>;
  sleep(ms: number): Promise<unknown>;
  done(): boolean;
}

/** Sends the view each time it changes (and traffic points on a rollout) until the client goes away. */
export async function watchView(
  d: StreamDeps,
  compute: () => Promise<unknown>,
  q: URLSearchParams,
  out: ViewSink,
): Promise<void> {
  let last = '';
  let previous: readonly VersionSnapshot[] | undefined;
  let beats = 0;
  await out.comment('runway dashboard stream');
  while (!out.done()) {
    try {
      const view = await compute();
      const text = JSON.stringify(view);
      if (text !== last) {
        last = text;
        await out.send('view', text);
      } else if (++beats % 15 === 0) await out.comment('keep-alive');
      const rollout = (
        view as { rollout?: { service?: string; environment?: string; state?: { weight?: number } } }
      ).rollout;
      if (q.get('view') === 'rollout' && d.counts && rollout?.service && rollout.environment) {
        const now = await d.counts.snapshot(rollout.service, rollout.environment).catch(() => undefined);
        if (now) {
          // the first point has no second before it: only the counts since each version started
          const point = trafficPoint(
            previous ? deltaSnapshots(now, previous) : [],
            rollout.state?.weight ?? 0,
            new Date(),
          );
          await out.send('traffic', JSON.stringify({ ...point, since: sinceStart(now) }));
          previous = now;
        }
      }
    } catch (err) {
      await out.send('problem', JSON.stringify({ error: (err as Error).message }));
    }
    await out.sleep(d.intervalMs ?? 1000);
  }
}

/** Each version's requests and error ratio since it started (the data plane's counters). */
export function sinceStart(now: readonly VersionSnapshot[]) {
  return Object.fromEntries(
    now.map((s) => [s.version, { total: s.total, errorRatio: s.total > 0 ? s.errors / s.total : null }]),
  );
}

/** One second of traffic per version: requests, error ratio, p95 in milliseconds. */
export function trafficPoint(delta: readonly VersionSnapshot[], weight: number, at: Date) {
  const versions: Record<string, { total: number; errorRatio: number | null; p95ms: number | null }> = {};
  for (const s of delta) {
    const p95 = s.total > 0 ? histogramQuantile(0.95, s.latency) : Number.NaN;
    versions[s.version] = {
      total: s.total,
      errorRatio: s.total > 0 ? s.errors / s.total : null,
      p95ms: Number.isFinite(p95) ? Math.round(p95 * 1000 * 10) / 10 : null,
    };
  }
  return { at: at.toISOString(), weight, versions };
}
