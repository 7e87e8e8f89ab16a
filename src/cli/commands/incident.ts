import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { applyIncidentCommands } from '../../gates/incidents/apply-commands.ts';
import { alertmanagerMapping } from '../../gates/incidents/alertmanager-mapping.ts';
import { fromAlertmanager } from '../../gates/incidents/from-alertmanager.ts';
import { SEVERITIES } from '../../gates/incidents/incident.ts';
import { formatPayloadIssue } from '../../gates/incidents/payload-issue.ts';
import { EXIT, UsageError } from '../errors.ts';
import { paint, type Io } from '../io.ts';
import { FILE_FLAG, JSON_FLAG, parse, STORE_FLAG, storeFor } from '../setup.ts';

const USAGE =
  'runway incident open --service S --severity P1..P4 --title T | resolve ID | list [--service S] [--all] | ' +
  'alertmanager FILE|- (apply a webhook payload)  [--store URL] [--json]';

/** `runway incident`: the incidents the release gate reads (P1 blocks, P2 warns). */
export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...STORE_FLAG,
    ...FILE_FLAG,
    ...JSON_FLAG,
    service: { type: 'string' },
    severity: { type: 'string' },
    title: { type: 'string' },
    all: { type: 'boolean' },
  });
  const [sub, arg] = positionals;
  const subs = ['open', 'resolve', 'list', 'alertmanager'];
  if (sub === undefined || !subs.includes(sub)) {
    throw new UsageError(
      `${sub === undefined ? 'a subcommand is needed' : `unknown subcommand "${sub}"`} — usage: ${USAGE}`,
    );
  }
  const now = new Date();
  const out = (value: unknown, text: string) => io.out(values.json ? `${JSON.stringify(value)}\n` : text);

  // check the arguments before opening the store, so a mistake changes nothing
  let payload: unknown;
  if (sub === 'open') {
    if (!values.service) throw new UsageError(`--service is required — usage: ${USAGE}`);
    if (!values.title) throw new UsageError(`--title is required — usage: ${USAGE}`);
    if (!SEVERITIES.includes(values.severity as never)) {
      throw new UsageError(
        `--severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(values.severity ?? '')}`,
      );
    }
  }
  if (sub === 'resolve' && !arg) throw new UsageError(`an incident id is needed — usage: ${USAGE}`);
  if (sub === 'alertmanager') {
    if (!arg) throw new UsageError(`a payload file (or - for stdin) is needed — usage: ${USAGE}`);
    try {
      payload = JSON.parse(readFileSync(arg === '-' ? 0 : arg, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read the payload ${arg}: ${(err as Error).message}`);
    }
  }

  const { store } = await storeFor(io, values);
  try {
    if (sub === 'open') {
      const id = `cli:${randomUUID().slice(0, 8)}`;
      const rec = {
        id,
        service: values.service as string,
        severity: values.severity as string,
        title: values.title as string,
        source: 'cli',
        openedAt: now.toISOString(),
      };
      await store.openIncident(rec);
      out(rec, `opened ${id}: ${rec.severity} ${rec.service} — ${rec.title}\n`);
      return EXIT.ok;
    }
    if (sub === 'resolve') {
      const ids = await store.resolveIncident({ id: arg as string }, now.toISOString());
      if (ids.length === 0) throw new UsageError(`no open incident "${arg}" — see "runway incident list"`);
      out({ resolved: ids }, `resolved ${ids.join(', ')}\n`);
      return EXIT.ok;
    }
    if (sub === 'alertmanager') {
      const mapping = values.service ? alertmanagerMapping({ defaultService: values.service }) : undefined;
      const result = fromAlertmanager(payload, now, mapping);
      if (!result.ok) {
        throw new UsageError(
          `invalid Alertmanager payload: ${result.errors.map(formatPayloadIssue).join('; ')}`,
        );
      }
      const changed = await applyIncidentCommands(store, result.commands);
      out(changed, `opened ${changed.opened.length}, resolved ${changed.resolved.length}\n`);
      return EXIT.ok;
    }
    const list = await store.incidents({
      ...(values.service ? { service: values.service } : {}),
      open: !values.all,
    });
    if (values.json) {
      io.out(`${JSON.stringify(list, null, 2)}\n`);
      return EXIT.ok;
    }
    if (list.length === 0) io.out(values.all ? 'no incidents\n' : 'no open incidents\n');
    for (const i of list) {
      const state = i.resolvedAt ? paint(io, 'dim', `resolved ${i.resolvedAt}`) : paint(io, 'red', 'open');
      io.out(`${i.id.padEnd(28)} ${i.severity} ${i.service.padEnd(16)} ${state}  ${i.title}\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
