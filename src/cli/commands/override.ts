import { existsSync } from 'node:fs';
import { identityOf, rolesOf } from '../../actions/approval/eligibility.ts';
import { loadPipeline } from '../../config/load.ts';
import { DEFAULT_POLICY_DOCUMENT } from '../../gates/policy/default-policy.ts';
import { ENVIRONMENTS } from '../../gates/policy/gate-input.ts';
import { parseDuration } from '../../engine/duration.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import {
  FILE_FLAG,
  instantFlag,
  JSON_FLAG,
  parse,
  pipelineFile,
  STORE_FLAG,
  storeFor,
  whoAmI,
} from '../setup.ts';
import { systemClock } from '../../engine/clock.ts';

/** The role that may grant emergency overrides. */
export const OVERRIDE_ROLE = 'release-manager';
const MAX_MS = 24 * 3_600_000;
const USAGE =
  'runway override grant --service S --env ENV --reason TEXT --expires 2h [--from ISO-TIME] [--rules r1,r2] [--as EMAIL] | revoke ID | list [--all]';

/** `runway override`: audited emergency overrides of the release gate. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...FILE_FLAG,
    ...STORE_FLAG,
    ...JSON_FLAG,
    service: { type: 'string' },
    env: { type: 'string' },
    reason: { type: 'string' },
    expires: { type: 'string' },
    rules: { type: 'string' },
    as: { type: 'string' },
    from: { type: 'string' },
    all: { type: 'boolean' },
  });
  const [sub, arg] = positionals;
  if (!sub || !['grant', 'revoke', 'list'].includes(sub)) {
    throw new UsageError(
      `${sub ? `unknown subcommand "${sub}"` : 'a subcommand is needed'} — usage: ${USAGE}`,
    );
  }
  const now = new Date();
  const from = values.from === undefined ? undefined : instantFlag(values.from, systemClock, '--from');
  if (from && sub !== 'grant') throw new UsageError('--from goes with grant only');
  if (sub === 'grant') {
    for (const flag of ['service', 'env', 'reason', 'expires'] as const) {
      if (!values[flag]) throw new UsageError(`--${flag} is required — usage: ${USAGE}`);
    }
    let ms: number;
    try {
      ms = parseDuration(values.expires as string);
    } catch (err) {
      throw new UsageError(`--expires: ${(err as Error).message}`);
    }
    if (ms <= 0 || ms > MAX_MS)
      throw new UsageError(`--expires must be more than 0 and at most 24h, got ${values.expires}`);
    if ((values.reason ?? '').trim().length < 10)
      throw new UsageError('--reason must say why, in at least 10 characters');
    if (!ENVIRONMENTS.includes(values.env as never)) {
      throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, got "${values.env}"`);
    }
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(values.service as string)) {
      throw new UsageError(
        `--service "${values.service}" is not a service name (letters, digits, "_" or "-")`,
      );
    }
    const rules =
      values.rules === undefined
        ? []
        : values.rules
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean);
    if (values.rules !== undefined && rules.length === 0) {
      throw new UsageError('--rules names no rule; leave it out to override every overridable rule');
    }
    const overridable = [...(DEFAULT_POLICY_DOCUMENT.deny ?? [])]
      .filter((r) => r.overridable !== false)
      .map((r) => r.name);
    overridable.push('in-flight', 'slo-source');
    const bad = rules.filter((r) => !overridable.includes(r));
    if (bad.length > 0) {
      throw new UsageError(
        `--rules: ${bad.join(', ')} cannot be overridden — overridable rules: ${overridable.join(', ')}`,
      );
    }
    const file = pipelineFile(io, values.file);
    if (!existsSync(file))
      throw new UsageError(
        `overrides are granted against the roles of a pipeline file; ${file} does not exist`,
      );
    const pipeline = loadPipeline(file);
    const who = whoAmI(io, values.as);
    if (rolesOf(pipeline, who, [OVERRIDE_ROLE]).length === 0) {
      io.err(
        `runway: ${identityOf(who)} does not hold the ${OVERRIDE_ROLE} role in ${file}; only they may grant overrides\n`,
      );
      return EXIT.auth;
    }
    const { store } = await storeFor(io, values);
    try {
      const record = {
        service: values.service as string,
        environment: values.env as string,
        rules: values.rules
          ? values.rules
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean)
          : [],
        reason: (values.reason as string).trim(),
        grantedBy: identityOf(who),
        grantedAt: now.toISOString(),
        ...(from ? { validFrom: from.toISOString() } : {}),
        expiresAt: new Date((from ?? now).getTime() + ms).toISOString(),
      };
      const id = await store.grantOverride(record);
      const scope = record.rules.length ? record.rules.join(', ') : 'every overridable rule';
      io.out(
        values.json
          ? `${JSON.stringify({ id, ...record })}\n`
          : `override ${id} granted by ${record.grantedBy} for ${record.service} → ${record.environment} (${scope}) ${from ? `from ${record.validFrom} ` : ''}until ${record.expiresAt}\n`,
      );
      return EXIT.ok;
    } finally {
      await store.close();
    }
  }
  const { store } = await storeFor(io, values);
  try {
    if (sub === 'revoke') {
      const id = Number(arg);
      if (!Number.isInteger(id) || id < 1) throw new UsageError(`an override id is needed — usage: ${USAGE}`);
      if (!(await store.revokeOverride(id, now.toISOString())))
        throw new UsageError(`no active override ${id} — see "runway override list"`);
      io.out(values.json ? `${JSON.stringify({ revoked: id })}\n` : `override ${id} revoked\n`);
      return EXIT.ok;
    }
    const list = await store.overrides(values.all ? {} : { activeAt: now.toISOString() });
    if (values.json) io.out(`${JSON.stringify(list, null, 2)}\n`);
    else if (list.length === 0) io.out(values.all ? 'no overrides\n' : 'no active overrides\n');
    for (const o of values.json ? [] : list) {
      const state = o.revokedAt
        ? `revoked ${o.revokedAt}`
        : o.expiresAt <= now.toISOString()
          ? 'expired'
          : `until ${o.expiresAt}`;
      io.out(
        `${String(o.id).padStart(4)} ${o.service} → ${o.environment}  ${o.rules.join(',') || 'all'}  by ${o.grantedBy}  ${paint(io, 'dim', state)}  ${o.reason}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
