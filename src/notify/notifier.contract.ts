/*
 * The suite every Notifier posting over HTTP runs, against a real local receiver: it posts once per
 * notification, a 5xx or an unreachable receiver is a retryable NotifyError, another 4xx is not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Notification } from './notification.ts';
import { NotifyError, type Notifier } from './notifier.ts';
import { startReceiver } from './receiver.fixture.ts';

/** A notification with every field set. */
export const SAMPLE: Notification = {
  event: 'run.succeeded',
  title: 'checkout-api: run #7 succeeded in 3m 12s',
  text: '',
  service: 'checkout-api',
  environment: 'production',
  runId: 7,
  sha: '0123456789abcdef0123456789abcdef01234567',
  startedAt: '2026-03-10T10:00:00.000Z',
  durationMs: 192_000,
  at: '2026-03-10T10:03:12.000Z',
};

/** Runs the contract against `make(url)`, a notifier posting to `url`. */
export function notifierContract(name: string, make: (url: string) => Notifier): void {
  describe(`${name} notifier contract`, () => {
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    before(async () => {
      receiver = await startReceiver();
    });
    after(async () => receiver.close());

    it('posts one JSON request per notification', async () => {
      const before = receiver.received.length;
      await make(`${receiver.url}/hook`).post(SAMPLE);
      assert.equal(receiver.received.length, before + 1);
      const got = receiver.received.at(-1)!;
      assert.equal(got.path, '/hook');
      assert.match(String(got.headers['content-type']), /^application\/json/);
      assert.doesNotThrow(() => JSON.parse(got.body));
    });

    it('a 5xx answer is a retryable NotifyError', async () => {
      receiver.answer(500);
      await assert.rejects(make(receiver.url).post(SAMPLE), (err: unknown) => {
        assert.ok(err instanceof NotifyError);
        assert.equal(err.retryable, true);
        assert.equal(err.status, 500);
        return true;
      });
    });

    it('a 404 answer is a NotifyError not worth retrying', async () => {
      receiver.answer(404);
      await assert.rejects(
        make(receiver.url).post(SAMPLE),
        (err: unknown) => err instanceof NotifyError && !err.retryable,
      );
    });

    it('an unreachable receiver is a retryable NotifyError naming the host only', async () => {
      const down = await startReceiver();
      await down.close();
      await assert.rejects(make(`${down.url}/secret-path`).post(SAMPLE), (err: unknown) => {
        assert.ok(err instanceof NotifyError && err.retryable);
        assert.doesNotMatch(err.message, /secret-path/);
        return true;
      });
    });
  });
}
