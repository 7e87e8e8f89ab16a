import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { activeCounts } from './active-counts.ts';
import { SEVERITIES } from './incident.ts';
import type { Incident } from './incident.ts';

const NOW = new Date('2025-06-02T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
let next = 0;
const incident = (changes: Partial<Incident>): Incident => ({
  id: `i${++next}`,
  service: 'checkout-api',
  severity: 'P1',
  title: 'errors',
  source: 'cli',
  openedAt: ago(60),
  ...changes,
});

describe('activeCounts', () => {
  it("counts the service's open P1 and P2 incidents", () => {
    const incidents = [
      incident({ severity: 'P1' }),
      incident({ severity: 'P1', source: 'alertmanager', fingerprint: 'abc' }),
      incident({ severity: 'P2' }),
      incident({ severity: 'P3' }),
      incident({ severity: 'P4' }),
      incident({ severity: 'P1', service: 'cart' }),
    ];
    assert.deepEqual(activeCounts(incidents, 'checkout-api', NOW), { p1: 2, p2: 1 });
    assert.deepEqual(activeCounts(incidents, 'cart', NOW), { p1: 1, p2: 0 });
    assert.deepEqual(activeCounts(incidents, 'search', NOW), { p1: 0, p2: 0 });
  });

  it('leaves out incidents resolved by now and those opened after now', () => {
    const incidents = [
      incident({ resolvedAt: ago(5) }),
      incident({ resolvedAt: NOW }),
      incident({ openedAt: ago(-1) }),
      incident({ resolvedAt: ago(-5) }),
      incident({ openedAt: NOW }),
    ];
    assert.deepEqual(activeCounts(incidents, 'checkout-api', NOW), { p1: 2, p2: 0 });
  });

  it('counts an id once', () => {
    const twice = incident({ severity: 'P2' });
    assert.deepEqual(activeCounts([twice, { ...twice }], 'checkout-api', NOW), { p1: 0, p2: 1 });
  });

  it('never counts more than the open incidents of each severity', () => {
    const arbitrary = fc.record({
      severity: fc.constantFrom(...SEVERITIES),
      service: fc.constantFrom('checkout-api', 'cart'),
      openedAt: fc.integer({ min: -120, max: 120 }).map(ago),
      resolvedAt: fc.option(fc.integer({ min: -120, max: 120 }).map(ago), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arbitrary), (changes) => {
        const incidents = changes.map(incident);
        const open = (i: Incident) =>
          i.service === 'checkout-api' && i.openedAt <= NOW && !(i.resolvedAt && i.resolvedAt <= NOW);
        const counts = activeCounts(incidents, 'checkout-api', NOW);
        assert.equal(counts.p1, incidents.filter((i) => open(i) && i.severity === 'P1').length);
        assert.equal(counts.p2, incidents.filter((i) => open(i) && i.severity === 'P2').length);
      }),
    );
  });
});
