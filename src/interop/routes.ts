import type { Clock } from '../engine/clock.ts';
import type { Calendar } from '../gates/windows/calendar.ts';
import type { Store } from '../store/store.ts';

/** What the interop endpoints answer from. */
export interface InteropDeps {
  store: Store;
  clock: Clock;
  /** Deployment windows by name: the presets and runway.yaml's `windows:`. */
  calendars: Readonly<Record<string, Calendar>>;
  log: (line: string) => void;
}

/** An HTTP answer: status and JSON body. */
export type Answer = [number, unknown];

/**
 * One endpoint for a controller outside Runway. `tokenInMetadata`: the caller cannot send headers
 * (Flagger webhooks), so the API token may also come as `metadata.token` in the body.
 */
export interface InteropRoute {
  method: 'GET' | 'POST';
  path: RegExp;
  /** One line for the API's OpenAPI description. */
  summary: string;
  /** Names of the path's groups, in order, for the description (default p1, p2…). */
  params?: string[];
  tokenInMetadata?: boolean;
  handle(url: URL, params: string[], body: unknown): Promise<Answer>;
}

/** The token a Flagger webhook carries in its metadata, if any. */
export function metadataToken(body: unknown): string | undefined {
  const meta = (body as { metadata?: unknown } | null)?.metadata;
  const token = (meta as { token?: unknown } | null | undefined)?.token;
  return typeof token === 'string' ? token : undefined;
}
