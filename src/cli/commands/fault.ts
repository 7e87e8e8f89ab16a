import { ServerError } from '../../server/client.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, refusal, serverClientFor, STORE_FLAG } from '../setup.ts';

const USAGE =
  'runway fault set|clear SERVICE --env ENV --version V [--error-ratio 0..1] [--latency MS] [--abort-ratio 0..1]';

/** `runway fault`: rollback rehearsals — faults in one version's traffic, at run time. */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...FILE_FLAG,
    ...STORE_FLAG,
    ...JSON_FLAG,
    env: { type: 'string', short: 'e' },
    version: { type: 'string' },
    'error-ratio': { type: 'string' },
    latency: { type: 'string' },
    'abort-ratio': { type: 'string' },
  });
  const [sub, service] = positionals;
  if (sub !== 'set' && sub !== 'clear') throw new UsageError(`set or clear is needed — usage: ${USAGE}`);
  if (!service || !values.env || !values.version)
    throw new UsageError(`SERVICE, --env and --version are needed — usage: ${USAGE}`);
  const faults: Record<string, number> = {};
  const num = (flag: string, v: string | undefined, key: string) => {
    if (v === undefined) return;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${v}"`);
    faults[key] = n;
  };
  num('error-ratio', values['error-ratio'], 'errorRatio');
  num('latency', values.latency, 'latencyMs');
  num('abort-ratio', values['abort-ratio'], 'abortRatio');
  if (sub === 'set' && Object.keys(faults).length === 0)
    throw new UsageError(`give at least one fault — usage: ${USAGE}`);
  const client = serverClientFor(io, values);
  try {
    await client.setFaults(service, values.env, values.version, sub === 'set' ? faults : null);
  } catch (err) {
    if (err instanceof ServerError) throw refusal(err);
    throw err;
  }
  io.out(
    values.json
      ? `${JSON.stringify({ service, environment: values.env, version: values.version, faults: sub === 'set' ? faults : null })}\n`
      : sub === 'set'
        ? `faults set on ${service} ${values.version} in ${values.env}: ${JSON.stringify(faults)}\n`
        : `faults cleared on ${service} ${values.version} in ${values.env}\n`,
  );
  return EXIT.ok;
}
