import { createHmac, randomUUID } from 'node:crypto';
import type { Notification } from '../notification.ts';
import { postJson, type Notifier } from '../notifier.ts';

/** The header carrying the body's HMAC-SHA256, spelled as GitHub spells X-Hub-Signature-256. */
export const SIGNATURE_HEADER = 'x-runway-signature-256';

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes with the shared secret. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * Posts the notification as JSON to any URL, signed with HMAC-SHA256 when a secret is shared.
 * Headers: `x-runway-event`, `x-runway-delivery` (unique per notification, the same on retries),
 * and `x-runway-signature-256: sha256=<hex>`.
 */
export class WebhookNotifier implements Notifier {
  readonly kind = 'webhook';
  readonly #url: string;
  readonly #secret: string | undefined;
  readonly #ids = new WeakMap<Notification, string>();

  constructor(url: string, secret?: string) {
    if (!/^https?:\/\//.test(url))
      throw new Error(`webhook url must start with http:// or https://, got a ${url.length}-character value`);
    this.#url = url;
    this.#secret = secret;
  }

  async post(n: Notification, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify(n);
    let id = this.#ids.get(n);
    if (id === undefined) {
      id = randomUUID();
      this.#ids.set(n, id);
    }
    const headers: Record<string, string> = { 'x-runway-event': n.event, 'x-runway-delivery': id };
    if (this.#secret !== undefined) headers[SIGNATURE_HEADER] = signBody(this.#secret, body);
    await postJson(this.#url, body, headers, signal);
  }
}
