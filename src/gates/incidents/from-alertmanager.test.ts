import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { alertmanagerMapping } from './alertmanager-mapping.ts';
import { fromAlertmanager } from './from-alertmanager.ts';
import type { AlertmanagerResult } from './from-alertmanager.ts';
import type { IncidentCommand } from './incident.ts';
import { formatPayloadIssue } from './payload-issue.ts';

const NOW = new Date('2018-11-05T00:00:00Z');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/alertmanager/${name}`, import.meta.url), 'utf8'));
const FIRING = fixture('alertmanager-bot-firing-compact.json');
const RESOLVED = fixture('alertmanager-bot-resolved-compact.json');
const MSTEAMS = fixture('msteams-testdata-firing-minimal.json');
const CHECKOUT = alertmanagerMapping({ defaultService: 'checkout-api' });

function commands(result: AlertmanagerResult): IncidentCommand[] {
  assert.ok(
    result.ok,
    `expected commands, got ${result.ok ? '' : result.errors.map(formatPayloadIssue).join('; ')}`,
  );
  return result.commands;
}

function errors(result: AlertmanagerResult): string[] {
  assert.ok(!result.ok, 'expected errors');
  return result.errors.map(formatPayloadIssue);
}

function alertWith(
  payload: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const [alert] = payload.alerts as Record<string, unknown>[];
  return { ...payload, alerts: [{ ...alert, ...changes }] };
}

describe('fromAlertmanager', () => {
  it('opens an incident for the firing fixture', () => {
    const result = fromAlertmanager(FIRING, NOW, CHECKOUT);
    assert.deepEqual(commands(result), [
      {
        action: 'open',
        incident: {
          id: 'alertmanager:88cbf0084cf27726:2018-11-04T21:43:58.283Z',
          service: 'checkout-api',
          severity: 'P1',
          title: 'Fire',
          source: 'alertmanager',
          fingerprint: '88cbf0084cf27726',
          openedAt: new Date('2018-11-04T21:43:58.283Z'),
        },
      },
    ]);
    assert.deepEqual(result.ok && result.warnings, []);
  });

  it('resolves the same fingerprint and id for the resolved fixture', () => {
    const [opened] = commands(fromAlertmanager(FIRING, NOW, CHECKOUT));
    const [resolved] = commands(fromAlertmanager(RESOLVED, NOW, CHECKOUT));
    assert.equal(resolved?.action, 'resolve');
    assert.equal(resolved.incident.fingerprint, opened?.incident.fingerprint);
    assert.equal(resolved.incident.id, opened?.incident.id);
    assert.deepEqual(resolved.incident.resolvedAt, new Date('2018-11-04T21:48:13.283Z'));
  });

  it('rejects alerts that name no service when no default service is configured', () => {
    assert.deepEqual(errors(fromAlertmanager(FIRING, NOW)), [
      'alerts[0].labels: expected a "service" or "job" label naming the service, got labels alertname, severity',
    ]);
  });

  it('rejects the msteams fixture, whose alert has no status', () => {
    assert.deepEqual(errors(fromAlertmanager(MSTEAMS, NOW)), [
      'alerts[0].status: expected "firing" or "resolved", got nothing',
    ]);
  });

  it('takes the service from job, warning as P2 and the summary as title (msteams fixture, status added)', () => {
    const [command] = commands(fromAlertmanager(alertWith(MSTEAMS, { status: 'firing' }), NOW));
    assert.equal(command?.action, 'open');
    assert.equal(command.incident.service, 'docker_nodes');
    assert.equal(command.incident.severity, 'P2');
    assert.equal(command.incident.title, 'Server High Memory usage');
    assert.deepEqual(command.incident.openedAt, new Date('2018-03-07T11:33:21.873Z'));
  });

  it('prefers the service label to job, and uses a fingerprint the payload carries', () => {
    const payload = alertWith(MSTEAMS, {
      status: 'firing',
      labels: { alertname: 'x', service: 'checkout-api', job: 'node' },
      fingerprint: 'fbab788ec4c1018b',
    });
    const [command] = commands(fromAlertmanager(payload, NOW));
    assert.equal(command?.incident.service, 'checkout-api');
    assert.equal(command.incident.fingerprint, 'fbab788ec4c1018b');
    assert.equal(command.incident.title, 'Server High Memory usage');
  });

  for (const [value, severity] of [
    ['critical', 'P1'],
    ['page', 'P1'],
    ['Warning', 'P2'],
    ['info', 'P4'],
    ['P2', 'P2'],
    ['major', 'P3'],
    ['constructor', 'P3'],
    ['', 'P3'],
  ] as const) {
    it(`maps severity ${JSON.stringify(value)} to ${severity}`, () => {
      const payload = alertWith(FIRING, { labels: { alertname: 'Fire', severity: value } });
      assert.equal(commands(fromAlertmanager(payload, NOW, CHECKOUT))[0]?.incident.severity, severity);
    });
  }

  it('follows a configured mapping of labels, severities and title annotations', () => {
    const mapping = alertmanagerMapping({
      serviceLabels: ['app'],
      severityLabels: ['priority'],
      severities: { Sev1: 'P1' },
      unknownSeverity: 'P4',
      titleAnnotations: ['message'],
    });
    const payload = alertWith(FIRING, { labels: { alertname: 'Fire', app: 'cart', priority: 'sev1' } });
    const [command] = commands(fromAlertmanager(payload, NOW, mapping));
    assert.equal(command?.incident.service, 'cart');
    assert.equal(command.incident.severity, 'P1');
    assert.equal(command.incident.title, 'Something is on fire');
  });

  it('titles an alert without summary or alertname by its fingerprint', () => {
    const payload = alertWith(FIRING, { labels: { service: 'cart' }, annotations: {} });
    const [command] = commands(fromAlertmanager(payload, NOW));
    assert.equal(command?.incident.title, `alert ${command?.incident.fingerprint}`);
  });

  it('takes times after now as now, so skewed clocks never hide an incident', () => {
    const early = new Date('2018-11-04T21:40:00Z'); // before the alert's start and end: a skewed clock
    assert.deepEqual(commands(fromAlertmanager(FIRING, early, CHECKOUT))[0]?.incident.openedAt, early);
    const [resolved] = commands(fromAlertmanager(RESOLVED, early, CHECKOUT));
    assert.deepEqual(resolved?.action === 'resolve' && resolved.incident.resolvedAt, early);
  });

  it('resolves at now when the resolved alert has no end time', () => {
    const payload = alertWith(RESOLVED, { endsAt: '0001-01-01T00:00:00Z' });
    const [resolved] = commands(fromAlertmanager(payload, NOW, CHECKOUT));
    assert.deepEqual(resolved?.action === 'resolve' && resolved.incident.resolvedAt, NOW);
  });

  it('opens one incident per alert of a group and warns about truncated alerts', () => {
    const [alert] = FIRING.alerts as Record<string, unknown>[];
    const payload = {
      ...FIRING,
      truncatedAlerts: 2,
      alerts: [
        { ...alert, labels: { alertname: 'Fire', service: 'a', severity: 'critical' } },
        { ...alert, labels: { alertname: 'Fire', service: 'b', severity: 'warning' } },
      ],
    };
    const result = fromAlertmanager(payload, NOW);
    assert.deepEqual(
      commands(result).map((c) => [c.incident.service, c.incident.severity]),
      [
        ['a', 'P1'],
        ['b', 'P2'],
      ],
    );
    assert.deepEqual(result.ok && result.warnings, [
      'alertmanager left out 2 alerts (max_alerts), so their incidents are not seen',
    ]);
  });

  it('gives nothing to do for an empty alert list', () => {
    assert.deepEqual(commands(fromAlertmanager({ ...FIRING, alerts: [] }, NOW)), []);
  });
});
