import type { Notifier } from './notifier.ts';

/** The notifier of a subscription that tells nobody (`none: {}`): every post succeeds. */
export class NullNotifier implements Notifier {
  readonly kind = 'none';
  async post(): Promise<void> {}
}
