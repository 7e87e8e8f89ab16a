/*
 * The dashboard's calls to the control plane: JSON with the token as a bearer header, and the
 * live stream read from fetch (EventSource cannot send the header) and parsed as Server-Sent Events.
 */
const KEY = 'runway.token';
const WHO = 'runway.identity';

export function token(): string | null {
  return sessionStorage.getItem(KEY) || null;
}
export function setToken(t: string): void {
  sessionStorage.setItem(KEY, t);
}
/** Whom the server's own token acts as; empty: the token's name. */
export function identity(): string {
  return sessionStorage.getItem(WHO) ?? '';
}
export function setIdentity(who: string): void {
  sessionStorage.setItem(WHO, who);
}

/** An answer other than 2xx: the server's reason, as it gave it. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token() ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { error: text };
  }
  if (!res.ok) throw new ApiError(res.status, (data as { error?: string }).error ?? `HTTP ${res.status}`);
  return data as T;
}

/** Follows a view of `/v1/stream` until `signal` aborts; calls `on(event, data)` per event. */
export async function follow(
  query: string,
  on: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch(`/v1/stream?${query}`, {
        headers: { authorization: `Bearer ${token() ?? ''}` },
        signal,
      });
      if (!res.ok || !res.body) {
        on('problem', { error: `stream: HTTP ${res.status}` });
        if (res.status === 401 || res.status === 400 || res.status === 404) return;
      } else {
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) on(event, JSON.parse(data.join('\n')));
          }
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      on('problem', { error: (err as Error).message });
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
