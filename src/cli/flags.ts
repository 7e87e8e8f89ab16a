import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Clock } from '../engine/clock.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';

export const FILE_FLAG = { file: { type: 'string', short: 'f' } } as const;
export const STORE_FLAG = { store: { type: 'string' } } as const;
export const JSON_FLAG = { json: { type: 'boolean' } } as const;

/** Parses flags strictly; unknown flags are usage errors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

/** The pipeline file: `-f`, else `runway.yaml` in the working directory. */
export function pipelineFile(io: Io, file: string | undefined): string {
  return resolve(io.cwd, file ?? 'runway.yaml');
}

/** Parses a run id argument. */
export function runId(value: string | undefined, usage: string): number {
  if (value === undefined) throw new UsageError(`a run id is needed — usage: ${usage}`);
  const id = Number(value.replace(/^#/, ''));
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`"${value}" is not a run id (a positive number)`);
  return id;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Reads a time flag: ISO 8601 with Z or an offset, a real calendar date; absent means now. */
export function instantFlag(value: string | undefined, clock: Clock, flag: string): Date {
  if (value === undefined) return clock.now();
  const at = new Date(value);
  const sameDay = ISO_WITH_OFFSET.test(value) && !Number.isNaN(at.getTime()) && sameCalendarDate(value, at);
  if (!sameDay)
    throw new UsageError(
      `${flag} "${value}" is not an ISO 8601 time with Z or an offset, e.g. 2026-03-09T09:00:00Z`,
    );
  return at;
}

/** Rejects dates the Date parser rolls over (2026-02-30 → 03-02) by re-reading them in their own offset. */
function sameCalendarDate(value: string, at: Date): boolean {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const shift = offset
    ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000
    : 0;
  return new Date(at.getTime() + shift).toISOString().slice(0, 10) === value.slice(0, 10);
}
