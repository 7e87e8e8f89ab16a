import { readFileSync } from 'node:fs';
import { evaluateGate } from '../../gates/release/evaluate-gate.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { FILE_FLAG, instantFlag, JSON_FLAG, parse, STORE_FLAG, storeFor } from '../setup.ts';
import { systemClock } from '../../engine/clock.ts';
import { gateContext, policyFlag } from './gate/context.ts';

const USAGE =
  'runway gate evaluate --env ENV [--input gate-input.json] [--at ISO-TIME] [--window NAME] ' +
  '[--policy default|policy.yaml] [--service S] [--tier N] [-f runway.yaml] [--store URL] [--json] | ' +
  'gate test [FILE|DIR…] [--policy default|policy.yaml] [-f runway.yaml] [--json]';

/**
 * `runway gate evaluate`: asks the release gate, explains the decision, and stores it.
 * `runway gate test`: runs policy tests (see ./gate/test.ts).
 */
export async function run(args: string[], io: Io): Promise<number> {
  if (args[0] === 'test') return (await import('./gate/test.ts')).run(args.slice(1), io);
  const { values, positionals } = parse(args, {
    ...FILE_FLAG,
    ...STORE_FLAG,
    ...JSON_FLAG,
    env: { type: 'string' },
    input: { type: 'string' },
    at: { type: 'string' },
    window: { type: 'string' },
    policy: { type: 'string' },
    service: { type: 'string' },
    tier: { type: 'string' },
  });
  if (positionals[0] !== 'evaluate') {
    throw new UsageError(
      `${positionals[0] ? `unknown subcommand "${positionals[0]}"` : 'a subcommand is needed'} — usage: ${USAGE}`,
    );
  }
  if (!values.env) throw new UsageError(`--env is required — usage: ${USAGE}`);
  const at = instantFlag(values.at, systemClock, '--at');
  const tier = values.tier === undefined ? undefined : Number(values.tier);
  if (tier !== undefined && ![1, 2, 3].includes(tier))
    throw new UsageError(`--tier must be 1, 2 or 3, got "${values.tier}"`);

  const { pipeline, calendars, root } = gateContext(io, values.file);
  const calendar = values.window === undefined ? undefined : calendars[values.window];
  if (values.window !== undefined && !calendar) {
    throw new UsageError(
      `unknown window "${values.window}" — expected one of: ${Object.keys(calendars).join(', ')}`,
    );
  }
  let explicit: Record<string, unknown> = {};
  if (values.input !== undefined) {
    try {
      explicit = JSON.parse(readFileSync(values.input, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`cannot read the gate input ${values.input}: ${(err as Error).message}`);
    }
    if (!explicit || typeof explicit !== 'object' || Array.isArray(explicit)) {
      throw new UsageError(
        `the gate input ${values.input} must be a JSON object like the seed's gate-input.json`,
      );
    }
  }
  const policy = policyFlag(values.policy, root);
  const service = values.service ?? (explicit['service'] as string | undefined) ?? pipeline?.service?.name;
  const tierValue = tier ?? (explicit['tier'] as number | undefined) ?? pipeline?.service?.tier;

  const { store } = await storeFor(io, values);
  try {
    const result = await evaluateGate(store, {
      ...(service !== undefined ? { service } : {}),
      environment: values.env,
      ...(tierValue !== undefined ? { tier: tierValue } : {}),
      evidence: {},
      ...(calendar ? { calendar } : {}),
      policy,
      explicit,
      at,
    });
    const { decision } = result;
    if (values.json) {
      io.out(
        `${JSON.stringify({ id: result.decisionId, allow: decision.outcome === 'allow', ...decision, input: result.input, ...(result.opensAt ? { windowOpensAt: result.opensAt } : {}) }, null, 2)}\n`,
      );
    } else {
      const mark = decision.outcome === 'allow' ? paint(io, 'green', '✔ allow') : paint(io, 'red', '✖ deny');
      io.out(
        `${mark} ${service ?? 'release'} → ${values.env}${decision.outcome === 'allow' && decision.strategy ? ` with ${decision.strategy}` : ''}  ${paint(io, 'dim', `decision ${result.decisionId}`)}\n`,
      );
      for (const v of decision.violations)
        io.out(`  ${paint(io, 'red', v.rule)}: ${v.message}${v.overridable ? '' : ' (not overridable)'}\n`);
      for (const w of decision.warnings) io.out(`  ${paint(io, 'yellow', w.rule)}: ${w.message}\n`);
      if (result.opensAt)
        io.out(`  the window ${values.window} next opens at ${result.opensAt.toISOString()}\n`);
      io.out(
        paint(
          io,
          'dim',
          `  policy ${decision.policy.name} ${decision.policy.version.slice(0, 19)} · input ${decision.inputDigest.slice(0, 19)} · at ${decision.evaluatedAt}\n`,
        ),
      );
    }
    return decision.outcome === 'allow' ? EXIT.ok : EXIT.failed;
  } finally {
    await store.close();
  }
}
