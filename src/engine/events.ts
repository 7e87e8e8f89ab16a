/** Something that happened in a run, as live sinks (terminal, NDJSON, server) see it. */
export interface EngineEvent {
  type: string;
  runId: number;
  at: string;
  /** Present for events that were persisted. */
  seq?: number;
  data: Record<string, unknown>;
}

export type EventSink = (event: EngineEvent) => void;

/** Fans events out to sinks; a sink that throws never stops the run. */
export class EventFunnel {
  readonly #sinks: EventSink[] = [];

  add(sink: EventSink): this {
    this.#sinks.push(sink);
    return this;
  }

  emit(event: EngineEvent): void {
    for (const sink of this.#sinks) {
      try {
        sink(event);
      } catch {
        // a broken display must not break a deployment
      }
    }
  }
}
