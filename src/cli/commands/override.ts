import { existsSync } from 'node:fs';
import { identityOf, rolesOf } from '../../actions/approval/eligibility.ts';
import { loadPipeline } from '../../config/load.ts';
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
import { overrideFrom } from '../../gates/release/override-request.ts';

/** The role that may grant emergency overrides. */
export const OVERRIDE_ROLE = 'release-manager';
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
    const rules =
      values.rules === undefined
        ? []
        : values.rules
            .split(',')
            .map((r) => r.trim())
            .filter(Boolean);
    const who = whoAmI(io, values.as);
    const record = overrideFrom(
      {
        service: values.service as string,
        environment: values.env as string,
        reason: values.reason as string,
        expires: values.expires as string,
        rules,
        ...(from ? { from } : {}),
      },
      identityOf(who),
      now,
      {
        service: '--service',
        environment: '--env',
        reason: '--reason',
        expires: '--expires',
        rules: '--rules',
      },
    );
    if ('issue' in record) throw new UsageError(record.issue);
    if (values.rules !== undefined && rules.length === 0) {
      throw new UsageError('--rules names no rule; leave it out to override every overridable rule');
    }
    const file = pipelineFile(io, values.file);
    if (!existsSync(file))
      throw new UsageError(
        `overrides are granted against the roles of a pipeline file; ${file} does not exist`,
      );
    const pipeline = loadPipeline(file);
    if (rolesOf(pipeline, who, [OVERRIDE_ROLE]).length === 0) {
      io.err(
        `runway: ${identityOf(who)} does not hold the ${OVERRIDE_ROLE} role in ${file}; only they may grant overrides\n`,
      );
      return EXIT.auth;
    }
    const { store } = await storeFor(io, values);
    try {
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
