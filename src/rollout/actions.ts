/*
 * Intents the controller hands to the data plane, analysis and notifiers. Every intent is
 * idempotent: applying one twice has the effect of applying it once, so `pendingActions` can
 * re-issue them all after a crash.
 */
import type { AnalysisKind } from './state.ts';

/** Events worth telling people about. */
export const NOTIFY_EVENTS = [
  'started',
  'waiting-for-promotion',
  'analysis-inconclusive',
  'paused',
  'promoted',
  'aborted',
  'rolled-back',
  'completed',
  'retried',
] as const;
/** One of NOTIFY_EVENTS. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** Run `replicas` instances of a version (no-op for instances already running). */
export interface StartInstances {
  type: 'start-instances';
  version: string;
  revision: number;
  replicas: number;
}

/** Stop a version's instances at `at` (now when absent). Reconcile re-issues it without `at` when due. */
export interface StopInstances {
  type: 'stop-instances';
  version: string;
  at?: Date;
}

/** Route `canaryPerMille` of traffic to `canaryVersion` and the rest to `stableVersion` (the same version after completion). */
export interface SetWeight {
  type: 'set-weight';
  canaryPerMille: number;
  stableVersion: string;
  canaryVersion: string;
}

/** Point the preview route at a version (blue-green), or at nothing. */
export interface RoutePreview {
  type: 'route-preview';
  version: string | null;
}

/** Start an analysis run under `runId` (no-op when that run exists). */
export interface StartAnalysis {
  type: 'start-analysis';
  runId: string;
  kind: AnalysisKind;
  templates: readonly string[];
  failureLimit?: number;
  intervalMs?: number;
}

/** Stop an analysis run the rollout no longer needs. */
export interface StopAnalysis {
  type: 'stop-analysis';
  runId: string;
}

/** Tell people (Slack, webhooks); the same event is also a history entry. */
export interface Notify {
  type: 'notify';
  event: NotifyEvent;
  detail: string;
}

/** Any intent. */
export type Action =
  StartInstances | StopInstances | SetWeight | RoutePreview | StartAnalysis | StopAnalysis | Notify;
