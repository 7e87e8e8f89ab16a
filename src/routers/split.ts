/*
 * Whether the split a router reports (read back from the router itself) is the split that was
 * asked for: the check behind "an ended rollout counts once the router serves its final split".
 */
import type { Routes, TrafficRouter } from './router.ts';

/** Per-mille a version's read-back weight may differ by (HAProxy's weights are whole numbers ≤ 256). */
export const SPLIT_TOLERANCE = 4;

/**
 * True when `read` gives every version the weight `wanted` gives it, within SPLIT_TOLERANCE
 * (versions at 0 may be missing). A router that routes by itself (`none`) has nothing to read back;
 * for any other, an unknown site serves `wanted` only when nothing should run.
 */
export function splitInForce(
  router: Pick<TrafficRouter, 'kind'>,
  read: Routes | undefined,
  wanted: Readonly<Record<string, number>>,
): boolean {
  if (router.kind === 'none') return true;
  const positive = (w: Readonly<Record<string, number>>) => Object.entries(w).filter(([, n]) => n > 0);
  if (!read) return positive(wanted).length === 0;
  const got = Object.fromEntries(positive(read.weights));
  const want = Object.fromEntries(positive(wanted));
  const versions = new Set([...Object.keys(got), ...Object.keys(want)]);
  return [...versions].every((v) => Math.abs((got[v] ?? 0) - (want[v] ?? 0)) <= SPLIT_TOLERANCE);
}

/** `v2=100%` or `v1=90% v2=10%`, for logs. */
export function formatSplit(weights: Readonly<Record<string, number>>): string {
  const parts = Object.entries(weights)
    .filter(([, w]) => w > 0)
    .map(([v, w]) => `${v}=${w / 10}%`);
  return parts.length > 0 ? parts.join(' ') : 'nothing';
}
