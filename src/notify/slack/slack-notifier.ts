import { formatDuration, type Notification } from '../notification.ts';
import { postJson, type Notifier } from '../notifier.ts';

const ICONS: Record<string, string> = {
  'run.started': ':arrow_forward:',
  'run.succeeded': ':white_check_mark:',
  'run.failed': ':x:',
  'gate.denied': ':no_entry:',
  'gate.warned': ':warning:',
  'approval.waiting': ':raised_hand:',
  'rollout.started': ':rocket:',
  'rollout.paused': ':double_vertical_bar:',
  'rollout.promoted': ':arrow_up:',
  'rollout.completed': ':tada:',
  'rollout.rolled-back': ':rewind:',
  'rollout.aborted': ':octagonal_sign:',
  'data-plane.lost': ':rotating_light:',
  message: ':speech_balloon:',
};

/** The body Slack's incoming webhook takes: fallback `text` plus Block Kit `blocks`. */
export function slackPayload(n: Notification): { text: string; blocks: unknown[] } {
  const facts = [
    `*service* ${n.service}`,
    n.environment ? `*environment* ${n.environment}` : '',
    n.runId !== undefined ? `*run* #${n.runId}` : '',
    n.sha ? `*commit* \`${n.sha.slice(0, 12)}\`` : '',
    n.startedAt ? `*started* ${n.startedAt}` : '',
    n.durationMs !== undefined ? `*duration* ${formatDuration(n.durationMs)}` : '',
  ].filter(Boolean);
  const blocks: unknown[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${ICONS[n.event] ?? ''} *${escape(n.title)}*`.trim() },
    },
  ];
  if (n.text) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escape(n.text) } });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: facts.map(escapeFact).join('  ·  ') } });
  return { text: n.title, blocks };
}

/** Posts to a Slack incoming webhook (https://api.slack.com/messaging/webhooks). */
export class SlackNotifier implements Notifier {
  readonly kind = 'slack';
  readonly #url: string;

  constructor(url: string) {
    if (!/^https?:\/\//.test(url))
      throw new Error(`slack webhook url must start with https://, got a ${url.length}-character value`);
    this.#url = url;
  }

  async post(n: Notification, signal?: AbortSignal): Promise<void> {
    await postJson(this.#url, JSON.stringify(slackPayload(n)), {}, signal);
  }
}

/** Slack's three control characters in mrkdwn text. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Facts are built from our own markup (`*name*`), so only their values need escaping. */
function escapeFact(fact: string): string {
  const m = /^(\*[a-z]+\* )(.*)$/s.exec(fact);
  return m ? `${m[1]}${escape(m[2]!)}` : escape(fact);
}
