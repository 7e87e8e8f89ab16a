import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadPipeline } from '../../../config/load.ts';
import type { Pipeline } from '../../../config/pipeline.ts';
import { policyFor } from '../../../gates/release/policies.ts';
import type { Policy } from '../../../gates/policy/policy.ts';
import type { Calendar } from '../../../gates/windows/calendar.ts';
import { parseWindows } from '../../../gates/windows/parse.ts';
import { presetCalendars } from '../../../gates/windows/presets.ts';
import { UsageError } from '../../errors.ts';
import type { Io } from '../../io.ts';
import { pipelineFile } from '../../setup.ts';

/** What the gate commands read from the project: the pipeline (if any), its calendars, its root. */
export interface GateContext {
  pipeline?: Pipeline;
  /** Presets, then the pipeline's `windows:`. */
  calendars: Readonly<Record<string, Calendar>>;
  /** Where relative policy paths on the command line start. */
  root: string;
}

/** Loads `-f FILE`, else `runway.yaml` in the working directory when there is one. */
export function gateContext(io: Io, file: string | undefined): GateContext {
  const path = pipelineFile(io, file);
  const pipeline = file !== undefined || existsSync(path) ? loadPipeline(path) : undefined;
  return {
    ...(pipeline ? { pipeline } : {}),
    calendars: { ...presetCalendars(), ...(pipeline ? parseWindows(pipeline.windows) : {}) },
    root: pipeline ? pipeline.root : dirname(path),
  };
}

/** The policy `--policy` names: `default` or a CEL policy file; a bad one is a usage error. */
export function policyFlag(value: string | undefined, root: string): Policy {
  try {
    return policyFor(value === undefined || value === 'default' ? 'default' : { file: value }, root);
  } catch (err) {
    throw new UsageError(`policy: ${(err as Error).message}`);
  }
}
