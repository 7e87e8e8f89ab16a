import type { EventSink } from '../../engine/events.ts';
import type { Io } from '../io.ts';

/** One JSON object a line for every event, output included: for machines. */
export function ndjsonSink(io: Io): EventSink {
  return (e) => io.out(`${JSON.stringify(e)}\n`);
}
