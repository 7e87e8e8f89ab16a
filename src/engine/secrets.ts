import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Pipeline } from '../config/pipeline.ts';

import { MissingSecretError } from './errors.ts';

export { MissingSecretError };

/**
 * Reads every declared secret from the runway process environment or a file; a missing one throws
 * MissingSecretError unless it is `optional`, which leaves it out.
 */
export function resolveSecrets(pipeline: Pipeline, hostEnv: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, source] of Object.entries(pipeline.secrets)) {
    if (source.env !== undefined) {
      const v = hostEnv[source.env];
      if (v !== undefined && v !== '') values[name] = v;
      else if (!source.optional) missing.push(`${name} (environment variable ${source.env} is not set)`);
    } else if (source.file !== undefined) {
      try {
        values[name] = readFileSync(resolve(pipeline.root, source.file), 'utf8').replace(/\r?\n$/, '');
      } catch {
        if (!source.optional) missing.push(`${name} (cannot read file ${source.file})`);
      }
    }
  }
  if (missing.length > 0) throw new MissingSecretError(`missing secrets: ${missing.join('; ')}`);
  return values;
}
