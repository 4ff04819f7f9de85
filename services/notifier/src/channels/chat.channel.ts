import { Injectable } from '@nestjs/common';
import type { ChatChannel as ChatConfig } from '@baton/dsl';
import type { ChannelSender, DeliveryAttempt, SendResult } from './channel-sender';
import { postNotification } from './http-post';
import { describeNotification, type Notification } from './notification';

/** Slack's incoming-webhook JSON (`text` plus `blocks`), which Mattermost, Rocket.Chat and others accept too. */
export function chatMessage(notification: Notification): { text: string; blocks: unknown[] } {
  const { subject, lines } = describeNotification(notification);
  return {
    text: subject,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: subject.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `run \`${notification.runId}\` · ${notification.type}` }] },
    ],
  };
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
