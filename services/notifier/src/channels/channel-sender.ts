import type { NotificationChannel } from '@baton/dsl';
import type { Notification } from './notification';

/** One attempt at one delivery, as the dispatcher hands it to a channel. */
export interface DeliveryAttempt {
  id: string;
  config: Record<string, unknown>;
  notification: Notification;
  sentAt: Date;
}

export type SendResult =
  | { delivered: true; statusCode?: number }
  /** `permanent`: no later attempt can succeed (an unresolvable secret, a rejected address): dead-letter now. */
  | { delivered: false; statusCode?: number; error: string; permanent?: boolean };

/** A way of reaching people or systems; one implementation per channel of the notification language. */
export interface ChannelSender {
  readonly channel: NotificationChannel;
  /** What the delivery list shows as the target: the URL, the addresses or the subject. */
  targetOf(config: Record<string, unknown>): string;
  send(attempt: DeliveryAttempt): Promise<SendResult>;
}

export const CHANNEL_SENDERS = Symbol('CHANNEL_SENDERS');
