import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, STORE_FLAG, storeFor } from '../setup.ts';

/** `runway audit`: every mutating API call (and token change), newest first. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FILE_FLAG,
    ...STORE_FLAG,
    ...JSON_FLAG,
    limit: { type: 'string' },
    token: { type: 'string' },
  });
  const limit = Number(values.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive whole number, got "${values.limit}"`);
  const { store } = await storeFor(io, values, { existing: true });
  try {
    const entries = await store.auditLog({ limit, ...(values.token ? { token: values.token } : {}) });
    if (values.json) io.out(`${JSON.stringify({ entries })}\n`);
    else if (entries.length === 0) io.out('no audited calls\n');
    else
      for (const e of entries)
        io.out(
          `${e.at}  ${e.tokenName} (${e.tokenId}, ${e.role})  ${e.method} ${e.path}  ${e.status}${e.error ? `  ${e.error}` : ''}\n`,
        );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
