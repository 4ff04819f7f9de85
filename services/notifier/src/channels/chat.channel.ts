import { Injectable } from '@nestjs/common';
import type { ChatChannel as ChatConfig } from '@baton/dsl';
import type { ChannelSender, DeliveryAttempt, SendResult } from './channel-sender';
import { postNotification } from './http-post';
import { describeNotification, type Notification } from './notification';

/** Slack's limits: a header's text, a section's text. A message over them is refused (HTTP 400), every attempt. */
const HEADER_CHARS = 150;
const SECTION_CHARS = 3000;

/** Slack's incoming-webhook JSON (`text` plus `blocks`), which Mattermost, Rocket.Chat and others accept too. */
export function chatMessage(notification: Notification): { text: string; blocks: unknown[] } {
  const { subject, lines } = describeNotification(notification);
  return {
    text: escapeMrkdwn(subject),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(subject, HEADER_CHARS) } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(lines.join('\n')), SECTION_CHARS) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `run \`${notification.runId}\` · ${notification.type}` }] },
    ],
  };
}

/**
 * `&`, `<` and `>` are markup in Slack's mrkdwn: an error message quoting a response body could
 * otherwise render as a link or notify the whole channel (`<!channel>`).
 */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** At most `max` characters, ending with `…` when cut (never inside an `&amp;`-style entity). */
function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).replace(/&[a-z]*$/, '')}…`;
}

@Injectable()
export class ChatChannel implements ChannelSender {
  readonly channel = 'chat';

  targetOf(config: Record<string, unknown>): string {
    return (config as unknown as ChatConfig).url;
  }

  send(attempt: DeliveryAttempt): Promise<SendResult> {
    const headers = new Headers({ 'Content-Type': 'application/json', 'X-Baton-Delivery': attempt.id });
    return postNotification({ url: this.targetOf(attempt.config), headers, body: JSON.stringify(chatMessage(attempt.notification)) });
  }
}
