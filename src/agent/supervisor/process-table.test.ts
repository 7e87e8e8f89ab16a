import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { systemClock } from '../../engine/clock.ts';
import { signalGroup } from '../../executors/local/process-group.ts';
import { groupMembers, groupRunning, procStat, waitGroupGone } from './process-table.ts';

const groups: number[] = [];
after(() => {
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
});

function startGroup(script: string): number {
  const child = spawn('bash', ['-c', script], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  const pgid = child.pid ?? 0;
  groups.push(pgid);
  return pgid;
}

describe('process table', () => {
  it('reads a process state, parent and group from /proc', () => {
    const stat = procStat(process.pid);
    assert.ok(stat);
    assert.equal(stat.pid, process.pid);
    assert.equal(stat.ppid, process.ppid);
    assert.match(stat.state, /^[RS]$/);
    assert.equal(procStat(2 ** 22 + 1), null);
  });

  it('lists the members of a group, and none once it is killed', async () => {
    const pgid = startGroup('sleep 30 & sleep 30 & wait');
    await systemClock.sleep(100);
    const members = groupMembers(pgid) ?? [];
    assert.ok(members.includes(pgid));
    assert.equal(members.length, 3, `members: ${members}`);
    assert.equal(groupRunning(pgid), true);
    signalGroup(pgid, 'SIGKILL');
    assert.equal(await waitGroupGone(pgid, systemClock, 2000), true);
    assert.deepEqual(groupMembers(pgid), []);
    assert.equal(groupRunning(pgid), false);
  });

  it('gives up waiting after the timeout while the group still runs', async () => {
    const pgid = startGroup('exec sleep 30');
    assert.equal(await waitGroupGone(pgid, systemClock, 50), false);
  });
});
