import { systemClock } from '../../engine/clock.ts';
import { createToken, publicToken } from '../../server/auth/tokens.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, STORE_FLAG, storeFor, whoAmI } from '../setup.ts';

const USAGE =
  'runway token create NAME --role viewer|deployer|approver|admin [--service S,…] [--env E,…] [--json] | list [--json] | revoke ID|NAME [--json]';

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `runway token`: API tokens with a role and a scope; the clear token is printed once. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...FILE_FLAG,
    ...STORE_FLAG,
    ...JSON_FLAG,
    role: { type: 'string' },
    service: { type: 'string' },
    env: { type: 'string' },
  });
  const [sub, arg] = positionals;
  if (!sub || !['create', 'list', 'revoke'].includes(sub))
    throw new UsageError(
      `${sub ? `unknown subcommand "${sub}"` : 'a subcommand is needed'} — usage: ${USAGE}`,
    );
  if ((sub === 'create' || sub === 'revoke') && !arg)
    throw new UsageError(
      `token ${sub} needs a token ${sub === 'create' ? 'name' : 'id or name'} — usage: ${USAGE}`,
    );
  if (sub === 'create' && !values.role) throw new UsageError(`--role is required — usage: ${USAGE}`);
  const { store } = await storeFor(io, values, sub === 'create' ? {} : { existing: true });
  const audit = async (what: string, status: number, error?: string) =>
    store.recordAudit({
      at: systemClock.now().toISOString(),
      tokenId: 'cli',
      tokenName: whoAmI(io, undefined),
      role: 'local',
      method: 'CLI',
      path: what,
      status,
      ...(error === undefined ? {} : { error }),
    });
  try {
    if (sub === 'create') {
      const made = await createToken(
        store,
        { name: arg!, role: values.role!, services: list(values.service), environments: list(values.env) },
        systemClock,
      );
      if ('issue' in made) {
        await audit(`token create ${arg}`, 400, made.issue);
        throw new UsageError(made.issue);
      }
      await audit(`token create ${arg} (${made.record.id}, ${made.record.role})`, 201);
      if (values.json) io.out(`${JSON.stringify({ token: made.token, ...publicToken(made.record) })}\n`);
      else
        io.out(
          `created token ${made.record.name} (${made.record.id}), role ${made.record.role}\n${made.token}\n` +
            'this is the only time it is shown: keep it in a secret store (RUNWAY_TOKEN or RUNWAY_TOKEN_FILE)\n',
        );
      return EXIT.ok;
    }
    if (sub === 'revoke') {
      const ok = await store.revokeApiToken(arg!, systemClock.now().toISOString());
      await audit(`token revoke ${arg}`, ok ? 200 : 404, ok ? undefined : 'no valid token');
      if (!ok) throw new UsageError(`no valid token "${arg}" (see runway token list)`);
      io.out(values.json ? `${JSON.stringify({ revoked: arg })}\n` : `revoked ${arg}\n`);
      return EXIT.ok;
    }
    const tokens = (await store.apiTokens()).map(publicToken);
    if (values.json) io.out(`${JSON.stringify({ tokens })}\n`);
    else if (tokens.length === 0)
      io.out('no tokens (create one with runway token create NAME --role ROLE)\n');
    else
      for (const t of tokens) {
        const scope = [
          t.services.length > 0 ? `services ${t.services.join(',')}` : '',
          t.environments.length > 0 ? `envs ${t.environments.join(',')}` : '',
        ]
          .filter(Boolean)
          .join(' ');
        io.out(
          `${t.id}  ${t.name}  ${t.role}  ${scope || 'all services'}  ${t.revokedAt ? `revoked ${t.revokedAt}` : `created ${t.createdAt}`}\n`,
        );
      }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
