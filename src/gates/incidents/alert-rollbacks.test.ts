import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { rollbackRequests } from './alert-rollbacks.ts';
import { parseAlertmanagerPayload } from './alertmanager-payload.ts';
import { fromAlertmanager } from './from-alertmanager.ts';

const FIXTURE = new URL(
  '../../../test/fixtures/alertmanager/alertmanager-bot-firing-compact.json',
  import.meta.url,
);

/** The recorded firing payload with its one alert relabelled. */
function requestsFor(labels: Record<string, string>, status = 'firing') {
  const body = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    status: string;
    alerts: { status: string; labels: Record<string, string> }[];
  };
  body.status = status;
  for (const alert of body.alerts) {
    alert.status = status;
    alert.labels = { service: 'checkout-api', ...labels };
  }
  const parsed = parseAlertmanagerPayload(body);
  const result = fromAlertmanager(body, new Date('2030-01-01T00:00:00Z'));
  assert.ok(parsed.ok && result.ok);
  return rollbackRequests(parsed.value.alerts, result.commands);
}

describe('alerts that roll back', () => {
  it("the seeds' auto-rollback alerts roll back by name", () => {
    assert.deepEqual(requestsFor({ alertname: 'ErrorRateCritical' }), [
      { service: 'checkout-api', alert: 'ErrorRateCritical' },
    ]);
    assert.deepEqual(requestsFor({ alertname: 'CanaryHealthFailing', environment: 'production' }), [
      { service: 'checkout-api', environment: 'production', alert: 'CanaryHealthFailing' },
    ]);
  });

  it('any alert labelled action=rollback rolls back; another action label keeps a seed name from it', () => {
    assert.equal(requestsFor({ alertname: 'CheckoutErrors', action: 'rollback' }).length, 1);
    assert.deepEqual(requestsFor({ alertname: 'ErrorRateCritical', action: 'investigate' }), []);
    assert.deepEqual(requestsFor({ alertname: 'ErrorRateSpike' }), []);
  });

  it('a resolved alert rolls nothing back', () => {
    assert.deepEqual(requestsFor({ alertname: 'ErrorRateCritical' }, 'resolved'), []);
  });
});
