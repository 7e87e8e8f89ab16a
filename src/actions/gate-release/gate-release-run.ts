/* What `gate-release` does when its step runs; loaded on the step's first run (see gate-release.ts). */
import { EVIDENCE_ALIASES } from '../../gates/release/assemble-input.ts';
import { evaluateGate } from '../../gates/release/evaluate-gate.ts';
import { verifiedSlsaEvidence } from '../../gates/supply-chain/slsa-evidence.ts';
import { policyFor, type PolicyRefConfig } from '../../gates/release/policies.ts';
import { prometheusSlo } from '../../gates/release/prometheus-slo.ts';
import { observedSlo, SLO_FIELDS } from '../../gates/release/slo-facts.ts';
import type { ObservedSlo } from '../../gates/release/slo-facts.ts';
import { PrometheusProvider } from '../../analysis/providers/prometheus.ts';
import { DEFAULT_SLO } from '../../gates/slo/slo.ts';
import { parseWindows } from '../../gates/windows/parse.ts';
import { presetCalendars } from '../../gates/windows/presets.ts';
import { ServerClient, ServerError } from '../../server/client.ts';
import { locateServer } from '../../server/discovery.ts';
import type { ActionContext, ActionResult } from '../action.ts';

export async function run(ctx: ActionContext): Promise<ActionResult> {
  const { pipeline } = ctx.run;
  const calendars = { ...presetCalendars(), ...parseWindows(pipeline.windows) };
  const windowName = ctx.inputs['window'] as string | undefined;
  const calendar = windowName === undefined ? undefined : calendars[windowName];
  if (windowName !== undefined && !calendar) {
    return {
      ok: false,
      reason: `unknown window "${windowName}", expected one of: ${Object.keys(calendars).join(', ')}`,
    };
  }
  const atText = (ctx.inputs['at'] as string | undefined) ?? ctx.run.context?.at;
  const at = atText === undefined ? ctx.clock.now() : new Date(atText);
  if (Number.isNaN(at.getTime())) return { ok: false, reason: `at: "${atText}" is not an ISO 8601 time` };
  const policy = policyFor(ctx.inputs['policy'] as PolicyRefConfig | undefined, pipeline.root);
  const tier = (ctx.inputs['tier'] as number | undefined) ?? pipeline.service?.tier;
  const version =
    (ctx.inputs['version'] as string | undefined) ?? (String(ctx.expressions.sha).slice(0, 12) || undefined);
  const environment = String(ctx.inputs['environment']);
  const service = pipeline.service?.name ?? pipeline.name;
  const live = await liveSlo(ctx, service, environment, atText);
  const steps = new Map(pipeline.stages.flatMap((stage) => stage.steps).map((s) => [s.key, s.uses]));
  const { evidence, capped } = verifiedSlsaEvidence(
    ctx.expressions.evidence as Record<string, string | number | boolean>,
    await ctx.store.evidence(ctx.run.id),
    (stepKey) => steps.get(stepKey),
  );
  for (const c of capped)
    ctx.log(
      `! ${c.key} = ${c.declared} from step ${c.stepKey} is self-declared: it counts as 1 (only verify-attestation derives a higher level)`,
    );
  const { decision, decisionId, opensAt } = await evaluateGate(ctx.store, {
    service,
    environment,
    ...(tier !== undefined ? { tier } : {}),
    ...(version !== undefined ? { version } : {}),
    evidence,
    ...(calendar ? { calendar } : {}),
    policy,
    ...(ctx.inputs['input'] ? { explicit: ctx.inputs['input'] as Record<string, unknown> } : {}),
    at,
    runId: ctx.run.id,
    stepKey: ctx.step.key,
    inFlight: (ctx.inputs['in-flight'] as 'check' | 'ignore' | undefined) ?? 'check',
    ...live,
  });

  for (const e of await ctx.store.evidence(ctx.run.id)) {
    const path = EVIDENCE_ALIASES[e.key] ?? (/^(gates|slo)\./.test(e.key) ? e.key : undefined);
    if (path)
      ctx.log(`input ${path} = ${JSON.stringify(e.value)} ← evidence ${e.key} from step ${e.stepKey}`);
  }
  ctx.log(
    `policy ${decision.policy.name} (${decision.policy.version.slice(0, 19)}) for ${service} → ${environment} at ${decision.evaluatedAt}`,
  );
  for (const v of decision.violations)
    ctx.log(`✖ ${v.rule}: ${v.message}${v.overridable ? '' : ' (not overridable)'}`);
  for (const w of decision.warnings) ctx.log(`! ${w.rule}: ${w.message}`);
  if (opensAt) ctx.log(`the window ${windowName} next opens at ${opensAt.toISOString()}`);
  ctx.log(
    `decision ${decisionId}: ${decision.outcome}${decision.strategy ? `, strategy ${decision.strategy}` : ''} (input ${decision.inputDigest})`,
  );
  const allowed = decision.outcome === 'allow';
  const first = decision.violations[0];
  return {
    ok: allowed,
    ...(allowed
      ? {}
      : {
          reason: `release gate denied: ${decision.violations.map((v) => v.message).join('; ') || 'no reason given'}${
            opensAt ? ` (window opens ${opensAt.toISOString()})` : ''
          }`,
        }),
    // `allow` as in the seed's OPA decision, `approved` as the seed's step output; `allowed` as before
    outputs: {
      allow: String(allowed),
      approved: String(allowed),
      allowed: String(allowed),
      strategy: decision.strategy ?? '',
      decision: String(decisionId),
      ...(first ? { reason: first.message } : {}),
    },
    evidence: {
      'gate.allowed': allowed,
      ...(decision.strategy ? { 'gate.strategy': decision.strategy } : {}),
    },
  };
}

/**
 * The SLO of the gate's environment: from Prometheus when `service.slo.source` names it (an error
 * there denies), else as the control plane measures it, when the pipeline declares
 * `service.slo`. Without one, or without a reachable control plane, the gate uses the declared
 * input as before; a control plane that answers with an error denies (`sloError`). Logs the source.
 */
async function liveSlo(
  ctx: ActionContext,
  service: string,
  environment: string,
  at: string | undefined,
): Promise<{ slo?: ObservedSlo; sloError?: string }> {
  const declared = ctx.run.pipeline.service?.slo;
  const fallback = (why: string) => {
    ctx.log(`SLO: from the declared input only (${why})`);
    return {};
  };
  if (!declared) return fallback('runway.yaml declares no service.slo');
  const source = declared.source?.prometheus;
  if (source) {
    // Prometheus has no samples from the future: a gate evaluated ahead (`at`) reads them as of now
    const now = new Date(Math.min(ctx.clock.now().getTime(), at === undefined ? Infinity : Date.parse(at)));
    const read = await prometheusSlo(source, new PrometheusProvider({ timeoutMs: 10_000 }), now, ctx.signal);
    if ('error' in read) {
      const message = `Prometheus at ${source.address} did not answer: ${read.error}`;
      ctx.log(`SLO: ${message}`);
      return { sloError: message };
    }
    const numbers = SLO_FIELDS.map((f) => `${f} ${Number(read.slo.values[f]?.toPrecision(4))}`);
    ctx.log(`SLO: from Prometheus at ${source.address} at ${now.toISOString()}: ${numbers.join(', ')}`);
    return read;
  }
  if (declared.objective === undefined) return fallback('service.slo declares no objective');
  const found = locateServer(ctx.dataDir, ctx.hostEnv);
  if (!found) return fallback('no control plane is running; `runway serve` measures it');
  const window = declared.window ?? DEFAULT_SLO.window;
  const client = new ServerClient({ ...found, timeoutMs: 10_000 });
  try {
    const state = await client.slo(service, environment, {
      objective: declared.objective,
      window,
      ...(at === undefined ? {} : { at }),
    });
    const observed = observedSlo(state);
    const numbers = SLO_FIELDS.map((field) => {
      const value = observed.values[field];
      return `${field} ${value === undefined ? 'unknown' : Number(value.toPrecision(4))}`;
    });
    ctx.log(
      `SLO: measured by the control plane at ${found.url}: ${declared.objective}% over ${window} at ${state.evaluatedAt}: ${numbers.join(', ')}`,
    );
    return { slo: observed };
  } catch (err) {
    if (err instanceof ServerError && err.status === 0) return fallback(err.message);
    const message = `the control plane at ${found.url} answered: ${(err as Error).message}`;
    ctx.log(`SLO: ${message}`);
    return { sloError: message };
  }
}
