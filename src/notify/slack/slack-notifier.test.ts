import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { notifierContract, SAMPLE } from '../notifier.contract.ts';
import { SlackNotifier, slackPayload } from './slack-notifier.ts';

notifierContract('slack', (url) => new SlackNotifier(url));

const FIXTURE = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/slack/incoming-webhook-blocks-templated.json', import.meta.url),
    'utf8',
  ),
) as { text: string; blocks: Record<string, unknown>[] };

/** Every key path of a value, with array indexes dropped and block types kept: the payload's shape. */
function shape(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) for (const v of value) for (const p of shape(v, `${prefix}[]`)) out.add(p);
  else if (value && typeof value === 'object') {
    const type = (value as { type?: unknown }).type;
    const at = typeof type === 'string' ? `${prefix}<${type}>` : prefix;
    for (const [k, v] of Object.entries(value)) {
      out.add(`${at}.${k}`);
      for (const p of shape(v, `${at}.${k}`)) out.add(p);
    }
  }
  return out;
}

describe('slack payload', () => {
  it('uses only the keys and block types of Slack’s own incoming-webhook example', () => {
    const ours = shape(
      slackPayload({ ...SAMPLE, event: 'run.failed', text: 'build/test: timed out after 5s' }),
    );
    const theirs = shape(FIXTURE);
    const foreign = [...ours].filter((p) => !theirs.has(p));
    assert.deepEqual(foreign, []);
    assert.ok(ours.has('.blocks[]<section>.text<mrkdwn>.text'));
  });

  it('says what happened, when it started and how long it took, with Slack’s control characters escaped', () => {
    const payload = slackPayload({ ...SAMPLE, title: 'run <#7> & co' });
    assert.equal(payload.text, 'run <#7> & co');
    const texts = payload.blocks.map((b) => (b as { text: { text: string } }).text.text).join('\n');
    assert.match(texts, /run &lt;#7&gt; &amp; co/);
    assert.match(texts, /\*started\* 2026-03-10T10:00:00.000Z/);
    assert.match(texts, /\*duration\* 3m 12s/);
  });
});
