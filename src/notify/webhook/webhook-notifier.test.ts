import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { notifierContract, SAMPLE } from '../notifier.contract.ts';
import { startReceiver } from '../receiver.fixture.ts';
import { signBody, SIGNATURE_HEADER, WebhookNotifier } from './webhook-notifier.ts';

notifierContract('webhook', (url) => new WebhookNotifier(url, 'shared-secret'));

const VECTORS = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/github/x-hub-signature-256-vectors.json', import.meta.url),
    'utf8',
  ),
) as { vectors: { source: string; secret: string; payload?: string; x_hub_signature_256: string }[] };

describe('webhook signature', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
  });
  after(async () => receiver.close());

  it('is the X-Hub-Signature-256 scheme: GitHub’s published vector verifies', () => {
    const docs = VECTORS.vectors.find((v) => v.source === 'github-docs')!;
    assert.equal(signBody(docs.secret, docs.payload!), docs.x_hub_signature_256);
  });

  it('a receiver holding the shared secret verifies the exact body; another secret does not', async () => {
    await new WebhookNotifier(receiver.url, 'It’s shared').post(SAMPLE);
    const got = receiver.received.at(-1)!;
    const header = Buffer.from(String(got.headers[SIGNATURE_HEADER]));
    const expected = (secret: string) =>
      Buffer.from(`sha256=${createHmac('sha256', secret).update(got.body).digest('hex')}`);
    assert.ok(timingSafeEqual(header, expected('It’s shared')));
    assert.ok(!timingSafeEqual(header, expected('a guess')));
    assert.equal(got.headers['x-runway-event'], 'run.succeeded');
    assert.deepEqual(JSON.parse(got.body), SAMPLE);
  });

  it('without a secret, nothing is signed', async () => {
    await new WebhookNotifier(receiver.url).post(SAMPLE);
    assert.equal(receiver.received.at(-1)!.headers[SIGNATURE_HEADER], undefined);
  });
});
