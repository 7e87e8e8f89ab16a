import { stringify } from 'yaml';
import { seedRuleGroups } from '../../telemetry/alert-rules.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { JSON_FLAG, parse } from '../setup.ts';

/** `runway alerts`: prints the seeds' alert rule groups as a Prometheus rule file (or JSON). */
export async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...JSON_FLAG });
  const groups = seedRuleGroups();
  io.out(values.json ? `${JSON.stringify({ groups })}\n` : stringify({ groups }, { lineWidth: 0 }));
  return EXIT.ok;
}
