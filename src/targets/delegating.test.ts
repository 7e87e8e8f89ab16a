import { NopDelegatingTarget } from './delegating.ts';
import { delegatingContract } from './delegating.contract.ts';

delegatingContract('none', async () => ({
  target: new NopDelegatingTarget(),
  image: 'example.com/nothing@sha256:' + '0'.repeat(64),
  close: async () => {},
}));
