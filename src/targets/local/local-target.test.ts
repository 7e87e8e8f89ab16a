import { targetContract } from '../target.contract.ts';
import { localTargetFixture } from './local.fixture.ts';

targetContract('local', async () => {
  const f = await localTargetFixture();
  return {
    target: f.target,
    release: (version, replicas) => f.release(version, replicas),
    broken: (version) => f.release(version, 1, 'never-ready'),
    peer: async () => f.peer(),
    close: f.close,
  };
});
