import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, STORE_FLAG, storeFor } from '../setup.ts';

const USAGE = 'runway deployments [--service S] [--env ENV] [--limit N] [--json] [--store URL]';

/** `runway deployments`: the deployment records DORA is computed from. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...STORE_FLAG,
    ...FILE_FLAG,
    ...JSON_FLAG,
    service: { type: 'string' },
    env: { type: 'string' },
    limit: { type: 'string' },
  });
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit "${values.limit}" is not a positive number — usage: ${USAGE}`);
  const { store } = await storeFor(io, values, { existing: true });
  try {
    const list = await store.deployments({
      ...(values.service ? { service: values.service } : {}),
      ...(values.env ? { environment: values.env } : {}),
      limit,
    });
    if (values.json) {
      io.out(`${JSON.stringify(list)}\n`);
      return EXIT.ok;
    }
    if (list.length === 0) io.out('no deployments yet\n');
    for (const d of list) {
      const range = d.sha
        ? ` ${d.previousSha ? `${d.previousSha.slice(0, 7)}..` : ''}${d.sha.slice(0, 7)}`
        : '';
      const extra = [
        d.reason,
        d.incidentId ? `incident ${d.incidentId}` : '',
        d.fixedBy ? `fixed by ${d.fixedBy}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      io.out(
        `${d.startedAt}  ${d.service}/${d.environment} ${d.version}${range} ${d.kind} ${d.outcome}${extra ? ` — ${extra}` : ''}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
