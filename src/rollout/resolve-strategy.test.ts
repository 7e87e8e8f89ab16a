import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StrategyError } from './fields.ts';
import { parseStrategy, resolveStrategy } from './resolve-strategy.ts';

const issues = (input: unknown) => {
  const result = resolveStrategy(input);
  assert.equal(result.ok, false);
  return result.ok ? [] : result.issues;
};

describe('resolveStrategy', () => {
  it('fills in Argo Rollouts defaults and freezes the result', () => {
    const strategy = parseStrategy({ canary: { steps: [{ setWeight: 100 }, { pause: {} }] } });
    assert.deepEqual(strategy, {
      kind: 'canary',
      steps: [{ setWeight: 100 }, { pause: {} }],
      scaleDownDelayMs: 30_000,
      progressDeadlineMs: 600_000,
      abortOn: { consecutiveHealthFailures: 3, crashLoop: true, progressDeadline: true },
    });
    assert.ok(Object.isFrozen(strategy) && Object.isFrozen(strategy.kind === 'canary' && strategy.steps[0]));
  });

  it('keeps every given field', () => {
    const input = {
      steps: [{ setWeight: 5 }, { analysis: { templates: ['a', 'b'], failureLimit: 2, intervalMs: 1000 } }],
      scaleDownDelayMs: 0,
      progressDeadlineMs: 120_000,
      backgroundAnalysis: { templates: ['slo-burn-check'], startingStep: 1 },
      abortOn: { consecutiveHealthFailures: 5, crashLoop: false, progressDeadline: false },
    };
    assert.deepEqual(parseStrategy({ canary: input }), { kind: 'canary', ...input });
  });

  it('resolves blue-green with optional analysis and auto-promotion', () => {
    assert.deepEqual(
      parseStrategy({
        blueGreen: { prePromotionAnalysis: { templates: ['smoke-check'] }, autoPromotionDelayMs: 0 },
      }),
      {
        kind: 'blueGreen',
        scaleDownDelayMs: 30_000,
        progressDeadlineMs: 600_000,
        abortOn: { consecutiveHealthFailures: 3, crashLoop: true, progressDeadline: true },
        prePromotionAnalysis: { templates: ['smoke-check'] },
        autoPromotionDelayMs: 0,
      },
    );
  });

  it('names the field of every bad value, with the value', () => {
    assert.deepEqual(
      issues({
        canary: {
          steps: [
            { setWeight: 1500 },
            { setWeight: 2.5 },
            { pause: { durationMs: -1 } },
            { analysis: { templates: [] } },
            { setWeight: 10, pause: {} },
            {},
          ],
          scaleDownDelayMs: '30s',
          abortOn: { consecutiveHealthFailures: 0, crashLoop: 'yes' },
        },
      }),
      [
        {
          path: 'canary.steps[0].setWeight',
          message: 'must be an integer from 0 to 1000 per-mille, got 1500',
        },
        {
          path: 'canary.steps[1].setWeight',
          message: 'must be an integer from 0 to 1000 per-mille, got 2.5',
        },
        {
          path: 'canary.steps[2].pause.durationMs',
          message: 'must be an integer from 0 to 2592000000 milliseconds, got -1',
        },
        {
          path: 'canary.steps[3].analysis.templates',
          message: 'must be a non-empty list of template names, got []',
        },
        {
          path: 'canary.steps[4]',
          message: 'needs exactly one of setWeight, pause, analysis, found setWeight and pause',
        },
        { path: 'canary.steps[5]', message: 'needs exactly one of setWeight, pause, analysis, found none' },
        {
          path: 'canary.scaleDownDelayMs',
          message: 'must be an integer from 0 to 2592000000 milliseconds, got "30s"',
        },
        {
          path: 'canary.abortOn.consecutiveHealthFailures',
          message: 'must be an integer from 1 to 1000, got 0',
        },
        { path: 'canary.abortOn.crashLoop', message: 'must be true or false, got "yes"' },
      ],
    );
  });

  it('rejects unknown keys, listing the valid ones', () => {
    assert.deepEqual(issues({ canary: { steps: [{ setWeight: 10 }], maxSurge: 1 } }), [
      {
        path: 'canary.maxSurge',
        message:
          'unknown key; expected one of steps, backgroundAnalysis, scaleDownDelayMs, progressDeadlineMs, abortOn',
      },
    ]);
    assert.deepEqual(issues({ rolling: {} }), [
      { path: 'strategy.rolling', message: 'unknown key; expected one of canary, blueGreen, flagger' },
      { path: 'strategy', message: 'needs exactly one of canary, blueGreen, flagger, found none' },
    ]);
  });

  it('needs exactly one kind', () => {
    assert.deepEqual(issues({ canary: { steps: [{ setWeight: 1 }] }, blueGreen: {} }), [
      {
        path: 'strategy',
        message: 'needs exactly one of canary, blueGreen, flagger, found canary and blueGreen',
      },
    ]);
    assert.deepEqual(issues(null), [{ path: 'strategy', message: 'must be an object, got null' }]);
  });

  it('needs steps, and a background starting step among them', () => {
    assert.deepEqual(issues({ canary: { steps: [] } }), [
      { path: 'canary.steps', message: 'must be a non-empty list of steps, got []' },
    ]);
    assert.deepEqual(
      issues({
        canary: { steps: [{ setWeight: 1 }], backgroundAnalysis: { templates: ['x'], startingStep: 1 } },
      }),
      [{ path: 'canary.backgroundAnalysis.startingStep', message: 'must be an integer from 0 to 0, got 1' }],
    );
  });

  it('rejects duplicate and empty template names', () => {
    assert.deepEqual(issues({ blueGreen: { postPromotionAnalysis: { templates: ['a', 'a', ' '] } } }), [
      { path: 'blueGreen.postPromotionAnalysis.templates[1]', message: 'duplicate template "a"' },
      { path: 'blueGreen.postPromotionAnalysis.templates[2]', message: 'must be a template name, got " "' },
    ]);
  });

  it('parseStrategy throws a StrategyError carrying the issues', () => {
    assert.throws(
      () => parseStrategy({ canary: { steps: [{ setWeight: -1 }] } }),
      (err: unknown) =>
        err instanceof StrategyError &&
        err.issues.length === 1 &&
        err.message === 'canary.steps[0].setWeight: must be an integer from 0 to 1000 per-mille, got -1',
    );
  });
});
