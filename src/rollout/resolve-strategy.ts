import { FieldReader, StrategyError, join, show } from './fields.ts';
import type { StrategyIssue } from './fields.ts';
import { FLAGGER_KEYS, readFlagger } from './flagger.ts';
import { FULL_WEIGHT, STEP_KINDS, STRATEGY_DEFAULTS, STRATEGY_KINDS, deepFreeze } from './strategy.ts';
import type {
  AbortRules,
  AnalysisRef,
  BackgroundAnalysis,
  BlueGreenStrategy,
  CanaryStep,
  CanaryStrategy,
  Strategy,
} from './strategy.ts';

/** Top-level keys of strategy input: the two kinds, plus `flagger`, a shorthand for a canary. */
export const STRATEGY_INPUT_KEYS = [...STRATEGY_KINDS, 'flagger'] as const;

/** A resolved strategy, or every issue found. */
export type StrategyResult = { ok: true; strategy: Strategy } | { ok: false; issues: StrategyIssue[] };

const SHARED_KEYS = ['scaleDownDelayMs', 'progressDeadlineMs', 'abortOn'];
const CANARY_KEYS = ['steps', 'backgroundAnalysis', ...SHARED_KEYS];
const BLUE_GREEN_KEYS = [
  'prePromotionAnalysis',
  'postPromotionAnalysis',
  'autoPromotionDelayMs',
  ...SHARED_KEYS,
];
const ANALYSIS_KEYS = ['templates', 'failureLimit', 'intervalMs'];
const ABORT_KEYS = ['consecutiveHealthFailures', 'crashLoop', 'progressDeadline'];

/**
 * Validates strategy input and fills in defaults; issues name the field.
 * @example resolveStrategy({ canary: { steps: [{ setWeight: 1500 }] } })
 * // { ok: false, issues: [{ path: 'canary.steps[0].setWeight', message: 'must be an integer from 0 to 1000 per-mille, got 1500' }] }
 */
export function resolveStrategy(input: unknown): StrategyResult {
  const reader = new FieldReader();
  const strategy = readStrategy(reader, input);
  if (reader.issues.length > 0 || !strategy) return { ok: false, issues: reader.issues };
  return { ok: true, strategy: deepFreeze(strategy) };
}

/** Like `resolveStrategy`, but throws a `StrategyError` listing the issues. */
export function parseStrategy(input: unknown): Strategy {
  const result = resolveStrategy(input);
  if (!result.ok) throw new StrategyError(result.issues);
  return result.strategy;
}

function readStrategy(reader: FieldReader, input: unknown): Strategy | undefined {
  const top = reader.object(input, 'strategy', STRATEGY_INPUT_KEYS);
  if (!top) return undefined;
  const kinds = STRATEGY_INPUT_KEYS.filter((k) => top[k] !== undefined);
  if (kinds.length !== 1) {
    const found = kinds.length === 0 ? 'none' : kinds.join(' and ');
    return reader.fail('strategy', `needs exactly one of ${STRATEGY_INPUT_KEYS.join(', ')}, found ${found}`);
  }
  const kind = kinds[0];
  if (kind === 'blueGreen') return readBlueGreen(reader, top.blueGreen);
  if (kind === 'flagger') return readFlaggerCanary(reader, top.flagger);
  return readCanary(reader, top.canary);
}

function readCanary(reader: FieldReader, value: unknown): CanaryStrategy | undefined {
  const input = reader.object(value, 'canary', CANARY_KEYS);
  if (!input) return undefined;
  const steps = readSteps(reader, input.steps, 'canary.steps');
  const background = readBackground(reader, input.backgroundAnalysis, steps?.length ?? 0);
  const shared = readShared(reader, input, 'canary');
  if (!steps) return undefined;
  return { kind: 'canary', steps, ...shared, ...(background ? { backgroundAnalysis: background } : {}) };
}

function readFlaggerCanary(reader: FieldReader, value: unknown): CanaryStrategy | undefined {
  const input = reader.object(value, 'flagger', [...FLAGGER_KEYS, ...SHARED_KEYS]);
  if (!input) return undefined;
  const expanded = readFlagger(reader, input, 'flagger');
  const shared = readShared(reader, input, 'flagger');
  return expanded ? { kind: 'canary', ...expanded, ...shared } : undefined;
}

function readBlueGreen(reader: FieldReader, value: unknown): BlueGreenStrategy | undefined {
  const input = reader.object(value, 'blueGreen', BLUE_GREEN_KEYS);
  if (!input) return undefined;
  const pre = readAnalysis(reader, input.prePromotionAnalysis, 'blueGreen.prePromotionAnalysis');
  const post = readAnalysis(reader, input.postPromotionAnalysis, 'blueGreen.postPromotionAnalysis');
  const delay = reader.duration(input.autoPromotionDelayMs, 'blueGreen.autoPromotionDelayMs');
  return {
    kind: 'blueGreen',
    ...readShared(reader, input, 'blueGreen'),
    ...(pre ? { prePromotionAnalysis: pre } : {}),
    ...(post ? { postPromotionAnalysis: post } : {}),
    ...(delay === undefined ? {} : { autoPromotionDelayMs: delay }),
  };
}

function readShared(reader: FieldReader, input: Record<string, unknown>, path: string) {
  return {
    scaleDownDelayMs:
      reader.duration(input.scaleDownDelayMs, join(path, 'scaleDownDelayMs')) ??
      STRATEGY_DEFAULTS.scaleDownDelayMs,
    progressDeadlineMs:
      reader.duration(input.progressDeadlineMs, join(path, 'progressDeadlineMs'), 1) ??
      STRATEGY_DEFAULTS.progressDeadlineMs,
    abortOn: readAbortRules(reader, input.abortOn, join(path, 'abortOn')),
  };
}

function readAbortRules(reader: FieldReader, value: unknown, path: string): AbortRules {
  const defaults = STRATEGY_DEFAULTS.abortOn;
  if (value === undefined) return defaults;
  const input = reader.object(value, path, ABORT_KEYS);
  if (!input) return defaults;
  return {
    consecutiveHealthFailures:
      reader.int(input.consecutiveHealthFailures, `${path}.consecutiveHealthFailures`, {
        min: 1,
        max: 1000,
      }) ?? defaults.consecutiveHealthFailures,
    crashLoop: reader.bool(input.crashLoop, `${path}.crashLoop`, defaults.crashLoop),
    progressDeadline: reader.bool(
      input.progressDeadline,
      `${path}.progressDeadline`,
      defaults.progressDeadline,
    ),
  };
}

function readSteps(reader: FieldReader, value: unknown, path: string): CanaryStep[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    return reader.fail(path, `must be a non-empty list of steps, got ${show(value)}`);
  }
  const steps = value.map((step, i) => readStep(reader, step, `${path}[${i}]`));
  return steps.every((s) => s !== undefined) ? steps : undefined;
}

function readStep(reader: FieldReader, value: unknown, path: string): CanaryStep | undefined {
  const input = reader.object(value, path, STEP_KINDS);
  if (!input) return undefined;
  const kinds = STEP_KINDS.filter((k) => input[k] !== undefined);
  if (kinds.length !== 1) {
    return reader.fail(
      path,
      `needs exactly one of ${STEP_KINDS.join(', ')}, found ${kinds.join(' and ') || 'none'}`,
    );
  }
  if (kinds[0] === 'setWeight') {
    const w = reader.int(input.setWeight, `${path}.setWeight`, {
      min: 0,
      max: FULL_WEIGHT,
      unit: 'per-mille',
    });
    return w === undefined ? undefined : { setWeight: w };
  }
  if (kinds[0] === 'pause') {
    const pause = reader.object(input.pause, `${path}.pause`, ['durationMs']);
    if (!pause) return undefined;
    const before = reader.issues.length;
    const durationMs = reader.duration(pause.durationMs, `${path}.pause.durationMs`);
    if (reader.issues.length > before) return undefined;
    return { pause: durationMs === undefined ? {} : { durationMs } };
  }
  const analysis = readAnalysis(reader, input.analysis, `${path}.analysis`);
  return analysis ? { analysis } : undefined;
}

function readAnalysis(reader: FieldReader, value: unknown, path: string, extra: string[] = []) {
  if (value === undefined) return undefined;
  const input = reader.object(value, path, [...ANALYSIS_KEYS, ...extra]);
  if (!input) return undefined;
  const templates = reader.names(input.templates, `${path}.templates`);
  const failureLimit = reader.int(input.failureLimit, `${path}.failureLimit`, { min: 0, max: 1000 });
  const intervalMs = reader.duration(input.intervalMs, `${path}.intervalMs`, 1);
  if (!templates) return undefined;
  const ref: AnalysisRef = {
    templates,
    ...(failureLimit === undefined ? {} : { failureLimit }),
    ...(intervalMs === undefined ? {} : { intervalMs }),
  };
  return ref;
}

function readBackground(
  reader: FieldReader,
  value: unknown,
  stepCount: number,
): BackgroundAnalysis | undefined {
  const path = 'canary.backgroundAnalysis';
  const ref = readAnalysis(reader, value, path, ['startingStep']);
  if (!ref) return undefined;
  const input = value as Record<string, unknown>;
  const max = Math.max(stepCount - 1, 0);
  const startingStep = reader.int(input.startingStep, `${path}.startingStep`, { min: 0, max }) ?? 0;
  return { ...ref, startingStep };
}
