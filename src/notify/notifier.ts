import type { Notification } from './notification.ts';

/**
 * Something that tells people: posts one notification somewhere. Throws NotifyError when the
 * receiver refused or could not be reached; `retryable` says whether trying again may help.
 */
export interface Notifier {
  /** The notifier kind, as written in runway.yaml (`slack`, `webhook`, `none`). */
  readonly kind: string;
  post(notification: Notification, signal?: AbortSignal): Promise<void>;
}

/** A notification that did not get through. */
export class NotifyError extends Error {
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(message: string, retryable: boolean, status?: number) {
    super(message);
    this.name = 'NotifyError';
    this.retryable = retryable;
    this.status = status;
  }
}

/** Posts JSON to a URL; a 5xx, 429 or network error is retryable, another non-2xx is not. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new NotifyError(`cannot reach ${new URL(url).host}: ${(err as Error).message}`, true);
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return;
  const retryable = res.status >= 500 || res.status === 429;
  throw new NotifyError(
    `${new URL(url).host} answered ${res.status} ${text.slice(0, 200)}`.trim(),
    retryable,
    res.status,
  );
}
