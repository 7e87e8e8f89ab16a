/*
 * The `with:` of a rollout step as people write it (Argo's percent weights, durations such as
 * `30s`) turned into the strategy input `resolveStrategy` takes (per-mille, milliseconds).
 */
import { parseDuration } from '../../engine/duration.ts';
import { preset, PRESETS } from '../../rollout/presets.ts';
import type { CanaryStep } from '../../rollout/strategy.ts';
import { FLAGGER_INPUT, flaggerStrategy } from './flagger-input.ts';

const DURATION = { type: ['string', 'number'], description: 'a duration such as 30s or 5m' } as const;
const TEMPLATES = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } as const;
const ANALYSIS = {
  type: 'object',
  additionalProperties: false,
  required: ['templates'],
  properties: { templates: TEMPLATES, 'failure-limit': { type: 'integer', minimum: 0 }, interval: DURATION },
} as const;

/** JSON Schema of the strategy inputs of `uses: rollout`. */
export const STRATEGY_INPUTS = {
  preset: {
    type: 'string',
    minLength: 1,
    description: `a canary from the seeds (${Object.keys(PRESETS).join(', ')}), or the release gate's strategy output`,
  },
  'pause-scale': {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 1,
    description: "multiplies the preset's pauses (0.01 turns minutes into seconds, for a rehearsal)",
  },
  pauses: {
    type: 'array',
    items: DURATION,
    description: "durations that replace the preset's pauses, in order (e.g. shorter pauses for a demo)",
  },
  steps: {
    type: 'array',
    minItems: 1,
    description:
      'canary steps: setWeight (percent, 0.1 steps), pause ({duration} or {} to wait for promote), analysis',
    items: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        setWeight: { type: 'number', minimum: 0, maximum: 100 },
        pause: { type: 'object', additionalProperties: false, properties: { duration: DURATION } },
        analysis: ANALYSIS,
      },
    },
  },
  'blue-green': {
    type: 'object',
    additionalProperties: false,
    properties: {
      'auto-promotion-delay': DURATION,
      'pre-promotion-analysis': ANALYSIS,
      'post-promotion-analysis': ANALYSIS,
    },
  },
  'background-analysis': {
    ...ANALYSIS,
    properties: { ...ANALYSIS.properties, 'starting-step': { type: 'integer', minimum: 0 } },
  },
  analysis: FLAGGER_INPUT,
  'scale-down-delay': DURATION,
  'progress-deadline': DURATION,
  'consecutive-health-failures': { type: 'integer', minimum: 1, maximum: 100 },
} as const;

type Raw = Record<string, unknown>;

/** The strategy input for `resolveStrategy`, or a message naming the input that is wrong. */
export function strategyFromInputs(inputs: Raw): Raw | string {
  const kinds = ['preset', 'steps', 'blue-green', 'analysis'].filter((k) => inputs[k] !== undefined);
  if (kinds.length !== 1) {
    return `give exactly one of preset, steps, blue-green or analysis (found ${kinds.length === 0 ? 'none' : kinds.join(' and ')})`;
  }
  try {
    const shared: Raw = {
      ...(inputs['scale-down-delay'] === undefined
        ? {}
        : { scaleDownDelayMs: ms(inputs['scale-down-delay']) }),
      ...(inputs['progress-deadline'] === undefined
        ? {}
        : { progressDeadlineMs: ms(inputs['progress-deadline']) }),
      ...(inputs['consecutive-health-failures'] === undefined
        ? {}
        : { abortOn: { consecutiveHealthFailures: inputs['consecutive-health-failures'] } }),
    };
    if (inputs['analysis'] !== undefined) {
      const extra = ['background-analysis', 'pauses', 'pause-scale'].filter((k) => inputs[k] !== undefined);
      if (extra.length > 0) return `${extra.join(' and ')} cannot be used with analysis (Flagger's block)`;
      return flaggerStrategy(inputs['analysis'] as Raw, shared);
    }
    if (inputs['blue-green'] !== undefined) {
      const bg = inputs['blue-green'] as Raw;
      return {
        blueGreen: {
          ...shared,
          ...(bg['auto-promotion-delay'] === undefined
            ? {}
            : { autoPromotionDelayMs: ms(bg['auto-promotion-delay']) }),
          ...(bg['pre-promotion-analysis']
            ? { prePromotionAnalysis: analysisRef(bg['pre-promotion-analysis']) }
            : {}),
          ...(bg['post-promotion-analysis']
            ? { postPromotionAnalysis: analysisRef(bg['post-promotion-analysis']) }
            : {}),
        },
      };
    }
    let steps: unknown[];
    if (inputs['preset'] !== undefined) {
      steps = preset(String(inputs['preset'])).steps.map((s) => ({ ...s }));
      const pauses = inputs['pauses'] as unknown[] | undefined;
      const scale = inputs['pause-scale'] as number | undefined;
      if (pauses && scale !== undefined) return 'give pauses or pause-scale, not both';
      if (scale !== undefined) {
        steps = steps.map((s) =>
          'pause' in (s as object) && (s as { pause: { durationMs?: number } }).pause.durationMs !== undefined
            ? {
                pause: {
                  durationMs: Math.round((s as { pause: { durationMs: number } }).pause.durationMs * scale),
                },
              }
            : s,
        );
      }
      if (pauses) {
        const slots = steps.filter((s) => 'pause' in (s as object)).length;
        if (pauses.length !== slots) {
          return `pauses: preset ${String(inputs['preset'])} has ${slots} pauses, got ${pauses.length} durations`;
        }
        let i = 0;
        steps = steps.map((s) => ('pause' in (s as object) ? { pause: { durationMs: ms(pauses[i++]) } } : s));
      }
    } else {
      if (inputs['pauses'] !== undefined || inputs['pause-scale'] !== undefined)
        return 'pauses and pause-scale go with a preset (write durations into steps instead)';
      steps = (inputs['steps'] as Raw[]).map(stepOf);
    }
    const bg = inputs['background-analysis'] as Raw | undefined;
    return {
      canary: {
        ...shared,
        steps,
        ...(bg
          ? {
              backgroundAnalysis: {
                ...analysisRef(bg),
                startingStep: (bg['starting-step'] as number | undefined) ?? 0,
              },
            }
          : {}),
      },
    };
  } catch (err) {
    return (err as Error).message;
  }
}

function stepOf(step: Raw): CanaryStep | Raw {
  if (step['setWeight'] !== undefined) return { setWeight: Math.round(Number(step['setWeight']) * 10) };
  if (step['pause'] !== undefined) {
    const p = step['pause'] as Raw;
    return { pause: p['duration'] === undefined ? {} : { durationMs: ms(p['duration']) } };
  }
  return { analysis: analysisRef(step['analysis']) };
}

function analysisRef(a: unknown): Raw {
  const r = a as Raw;
  return {
    templates: r['templates'],
    ...(r['failure-limit'] === undefined ? {} : { failureLimit: r['failure-limit'] }),
    ...(r['interval'] === undefined ? {} : { intervalMs: ms(r['interval']) }),
  };
}

function ms(v: unknown): number {
  return parseDuration(v as string | number);
}

/** Analysis template names a strategy input refers to. */
export function templatesOf(strategy: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key?: string): void => {
    if (key === 'templates' && Array.isArray(v)) for (const t of v) out.add(String(t));
    else if (Array.isArray(v)) v.forEach((x) => walk(x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(strategy);
  return [...out];
}
