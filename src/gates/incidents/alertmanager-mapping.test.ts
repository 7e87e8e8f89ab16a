import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertmanagerMapping, DEFAULT_ALERTMANAGER_MAPPING } from './alertmanager-mapping.ts';
import type { Severity } from './incident.ts';

describe('alertmanagerMapping', () => {
  it('defaults to service then job, severity, and summary', () => {
    assert.deepEqual(alertmanagerMapping(), DEFAULT_ALERTMANAGER_MAPPING);
    assert.deepEqual(DEFAULT_ALERTMANAGER_MAPPING.serviceLabels, ['service', 'job']);
    assert.equal(DEFAULT_ALERTMANAGER_MAPPING.severities.critical, 'P1');
    assert.equal(DEFAULT_ALERTMANAGER_MAPPING.unknownSeverity, 'P3');
  });

  it('adds configured severities to the defaults, keyed lowercase, and freezes the result', () => {
    const mapping = alertmanagerMapping({
      severities: { SEV1: 'P1', warning: 'P3' },
      defaultService: 'cart',
    });
    assert.equal(mapping.severities.sev1, 'P1');
    assert.equal(mapping.severities.warning, 'P3');
    assert.equal(mapping.severities.critical, 'P1');
    assert.equal(mapping.defaultService, 'cart');
    assert.ok(
      Object.isFrozen(mapping) &&
        Object.isFrozen(mapping.severities) &&
        Object.isFrozen(mapping.serviceLabels),
    );
  });

  it('rejects bad config at construction, naming the value', () => {
    assert.throws(
      () => alertmanagerMapping({ serviceLabels: [] }),
      /invalid serviceLabels \[\], expected a non-empty list/,
    );
    assert.throws(() => alertmanagerMapping({ severityLabels: [''] }), /invalid severityLabels \[""\]/);
    assert.throws(
      () => alertmanagerMapping({ severities: { fatal: 'P0' as Severity } }),
      /invalid severities.fatal "P0", expected one of P1, P2, P3, P4/,
    );
    assert.throws(
      () => alertmanagerMapping({ unknownSeverity: 'p3' as Severity }),
      /invalid unknownSeverity "p3"/,
    );
    assert.throws(() => alertmanagerMapping({ defaultService: '' }), /invalid defaultService ""/);
  });
});
