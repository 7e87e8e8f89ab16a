import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAlertmanagerPayload } from './alertmanager-payload.ts';
import { fromAlertmanager } from './from-alertmanager.ts';
import { formatPayloadIssue } from './payload-issue.ts';

const ALERT = {
  status: 'firing',
  labels: { alertname: 'HighErrorRate', service: 'checkout-api', severity: 'critical' },
  annotations: { summary: 'error rate above 2%' },
  startsAt: '2025-06-02T11:50:00.123456789Z',
  endsAt: '0001-01-01T00:00:00Z',
};
const PAYLOAD = { version: '4', status: 'firing', receiver: 'runway', groupKey: '{}:{}', alerts: [ALERT] };

function issues(payload: unknown): string[] {
  const result = parseAlertmanagerPayload(payload);
  assert.ok(!result.ok, 'expected issues');
  return result.issues.map(formatPayloadIssue);
}

describe('parseAlertmanagerPayload', () => {
  it('reads a valid payload, zero end time as undefined', () => {
    const result = parseAlertmanagerPayload(PAYLOAD);
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      version: '4',
      status: 'firing',
      receiver: 'runway',
      groupKey: '{}:{}',
      truncatedAlerts: 0,
      alerts: [
        {
          status: 'firing',
          labels: ALERT.labels,
          annotations: ALERT.annotations,
          startsAt: new Date('2025-06-02T11:50:00.123Z'),
          endsAt: undefined,
        },
      ],
    });
  });

  it('ignores fields it does not know, so newer Alertmanagers pass', () => {
    assert.ok(
      parseAlertmanagerPayload({ ...PAYLOAD, somethingNew: [1], alerts: [{ ...ALERT, extra: {} }] }).ok,
    );
  });

  const cases: [string, unknown, string[]][] = [
    ['a non-object', 'hello', ['payload: expected an object (an Alertmanager webhook body), got "hello"']],
    ['null', null, ['payload: expected an object (an Alertmanager webhook body), got null']],
    ['an array', [], ['payload: expected an object (an Alertmanager webhook body), got an array']],
    ['another version', { ...PAYLOAD, version: 4 }, ['version: expected "4", got 4']],
    [
      'an unknown status',
      { ...PAYLOAD, status: 'pending' },
      ['status: expected "firing" or "resolved", got "pending"'],
    ],
    ['no alerts', { ...PAYLOAD, alerts: undefined }, ['alerts: expected an array of alerts, got nothing']],
    ['a non-object alert', { ...PAYLOAD, alerts: [42] }, ['alerts[0]: expected an alert object, got 42']],
    [
      'a label that is not a string',
      { ...PAYLOAD, alerts: [{ ...ALERT, labels: { ...ALERT.labels, 'app.kubernetes.io/name': 7 } }] },
      ['alerts[0].labels["app.kubernetes.io/name"]: expected a string, got 7'],
    ],
    [
      'missing annotations',
      { ...PAYLOAD, alerts: [{ ...ALERT, annotations: undefined }] },
      ['alerts[0].annotations: expected an object of strings, got nothing'],
    ],
    [
      'a time that is not RFC 3339',
      { ...PAYLOAD, alerts: [{ ...ALERT, startsAt: '2025-06-02 11:50' }] },
      ['alerts[0].startsAt: expected an RFC 3339 time, e.g. 2024-05-01T12:00:00Z, got "2025-06-02 11:50"'],
    ],
    [
      'an impossible date',
      { ...PAYLOAD, alerts: [{ ...ALERT, endsAt: '2025-02-30T00:00:00Z' }] },
      ['alerts[0].endsAt: expected an RFC 3339 time, e.g. 2024-05-01T12:00:00Z, got "2025-02-30T00:00:00Z"'],
    ],
    [
      'a zero start',
      { ...PAYLOAD, alerts: [{ ...ALERT, startsAt: '0001-01-01T00:00:00Z' }] },
      [
        'alerts[0].startsAt: expected the time the alert started, not the zero time, got "0001-01-01T00:00:00Z"',
      ],
    ],
    [
      'an empty fingerprint',
      { ...PAYLOAD, alerts: [{ ...ALERT, fingerprint: '' }] },
      ['alerts[0].fingerprint: expected a non-empty string, got ""'],
    ],
    [
      'a resolved group with a firing alert',
      { ...PAYLOAD, status: 'resolved' },
      ['status: expected "firing", since alerts[0] is firing, got "resolved"'],
    ],
    [
      'a negative truncatedAlerts',
      { ...PAYLOAD, truncatedAlerts: -1 },
      ['truncatedAlerts: expected a whole number >= 0, got -1'],
    ],
    ['a non-string receiver', { ...PAYLOAD, receiver: {} }, ['receiver: expected a string, got an object']],
    [
      'commonLabels of numbers',
      { ...PAYLOAD, commonLabels: { a: 1 } },
      ['commonLabels.a: expected a string, got 1'],
    ],
  ];
  for (const [what, payload, expected] of cases) {
    it(`rejects ${what}, naming the field and what was expected`, () => {
      assert.deepEqual(issues(payload), expected);
    });
  }

  it('reports every issue at once', () => {
    const payload = { version: '3', status: 'firing', alerts: [{ ...ALERT, status: 'ok', labels: 'x' }] };
    assert.deepEqual(issues(payload), [
      'version: expected "4", got "3"',
      'alerts[0].status: expected "firing" or "resolved", got "ok"',
      'alerts[0].labels: expected an object of strings, got "x"',
    ]);
  });

  it('never throws, and neither does fromAlertmanager, whatever JSON it is given', () => {
    const alert = fc.record(
      {
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), fc.jsonValue()),
        labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
        annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
        startsAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.jsonValue(),
        ),
        endsAt: fc.oneof(fc.constant('0001-01-01T00:00:00Z'), fc.jsonValue()),
        fingerprint: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          version: fc.oneof(fc.constant('4'), fc.jsonValue()),
          status: fc.jsonValue(),
          alerts: fc.array(alert),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(payload, (p) => {
        const result = parseAlertmanagerPayload(p);
        if (!result.ok) assert.ok(result.issues.length > 0);
        const converted = fromAlertmanager(p, new Date('2025-06-02T12:00:00Z'));
        if (!converted.ok) assert.ok(converted.errors.length > 0);
      }),
    );
  });
});
