import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualTime } from './scheduler.ts';

const T0 = new Date('2026-03-02T10:00:00Z');

describe('VirtualTime', () => {
  it('fires timers in time order and moves the clock to each', () => {
    const vt = new VirtualTime(T0);
    const fired: string[] = [];
    vt.set(() => fired.push(`b@${vt.now().toISOString()}`), 2000);
    vt.set(() => fired.push(`a@${vt.now().toISOString()}`), 1000);
    while (vt.runNext());
    assert.deepEqual(fired, ['a@2026-03-02T10:00:01.000Z', 'b@2026-03-02T10:00:02.000Z']);
  });

  it('advanceTo fires what falls due, including timers set by those, and stops at the target', () => {
    const vt = new VirtualTime(T0);
    let ticks = 0;
    const tick = () => {
      ticks++;
      vt.set(tick, 1000);
    };
    vt.set(tick, 1000);
    vt.advanceTo(new Date(T0.getTime() + 5500));
    assert.equal(ticks, 5);
    assert.equal(vt.now().getTime(), T0.getTime() + 5500);
    assert.equal(vt.nextAt()?.getTime(), T0.getTime() + 6000);
  });

  it('a cleared timer never fires; time never goes backwards', () => {
    const vt = new VirtualTime(T0);
    const handle = vt.set(() => assert.fail('cleared'), 10);
    vt.clear(handle);
    assert.equal(vt.pending, 0);
    assert.equal(vt.runNext(), false);
    vt.advanceBy(100);
    vt.advanceTo(T0);
    assert.equal(vt.now().getTime(), T0.getTime() + 100);
    vt.set(() => {}, -50);
    assert.equal(vt.nextAt()?.getTime(), T0.getTime() + 100);
  });
});
