import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alertFingerprint } from './alert-fingerprint.ts';

describe('alertFingerprint', () => {
  it('is the FNV-1a offset basis for no labels, as in Prometheus', () => {
    assert.equal(alertFingerprint({}), 'cbf29ce484222325');
  });

  it('is 16 lowercase hex digits', () => {
    assert.equal(alertFingerprint({ alertname: 'Fire', severity: 'critical' }), '88cbf0084cf27726');
  });

  it('does not depend on label order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (labels) => {
        const reversed = Object.fromEntries(Object.entries(labels).reverse());
        assert.equal(alertFingerprint(reversed), alertFingerprint(labels));
      }),
    );
  });

  it('separates names from values', () => {
    assert.notEqual(alertFingerprint({ a: 'bc' }), alertFingerprint({ ab: 'c' }));
    assert.notEqual(alertFingerprint({ a: '', b: '' }), alertFingerprint({ ab: '' }));
  });
});
