import type { Notifier } from './notifier.ts';
import { NullNotifier } from './null-notifier.ts';
import { SlackNotifier } from './slack/slack-notifier.ts';
import type { NotifierKind, Subscription } from './subscription.ts';
import { NOTIFIER_KINDS } from './subscription.ts';
import { GitHubDeploymentsNotifier } from './github/github-deployments.ts';
import { WebhookNotifier } from './webhook/webhook-notifier.ts';

type Factory = (url: string, signingKey: string | undefined) => Notifier;

const FACTORIES: Record<Exclude<NotifierKind, 'github'>, Factory> = {
  slack: (url) => new SlackNotifier(url),
  webhook: (url, key) => new WebhookNotifier(url, key),
  none: () => new NullNotifier(),
};

/**
 * The notifier of a subscription, with its URL and signing key taken from the resolved secrets.
 * Throws naming what is missing (an unknown kind lists the valid ones).
 */
export function createNotifier(sub: Subscription, secrets: Readonly<Record<string, string>>): Notifier {
  if (sub.kind === 'github' && sub.github) {
    const token = secrets[sub.github.tokenSecret];
    if (token === undefined)
      throw new Error(
        `the token of notification "${sub.name}" is missing: secret ${sub.github.tokenSecret} is not set`,
      );
    return new GitHubDeploymentsNotifier(sub.github.repo, token, sub.github.api);
  }
  const factory = FACTORIES[sub.kind as Exclude<NotifierKind, 'github'>];
  if (!factory)
    throw new Error(`unknown notifier "${sub.kind}" — expected one of: ${NOTIFIER_KINDS.join(', ')}`);
  if (sub.kind === 'none') return factory('', undefined);
  const url = sub.url ?? (sub.urlSecret !== undefined ? secrets[sub.urlSecret] : undefined);
  if (url === undefined)
    throw new Error(`the URL of notification "${sub.name}" is missing: secret ${sub.urlSecret} is not set`);
  let key: string | undefined;
  if (sub.secret !== undefined) {
    key = secrets[sub.secret];
    if (key === undefined)
      throw new Error(
        `the signing key of notification "${sub.name}" is missing: secret ${sub.secret} is not set`,
      );
  }
  return factory(url, key);
}
