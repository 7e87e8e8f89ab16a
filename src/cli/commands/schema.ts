import { PIPELINE_SCHEMA } from '../../config/schema.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { parse } from '../flags.ts';

/** `runway schema`: prints the JSON Schema of runway.yaml. */
export async function run(args: string[], io: Io): Promise<number> {
  parse(args, {});
  io.out(`${JSON.stringify(PIPELINE_SCHEMA, null, 2)}\n`);
  return EXIT.ok;
}
