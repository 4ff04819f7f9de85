import { Inject, Injectable } from '@nestjs/common';
import type { RunLifecycleEvent } from '@baton/contracts';
import { NOTIFICATION_CHANNELS, type NotificationRule } from '@baton/dsl';
import { injectTraceHeaders } from '@baton/telemetry';
import { CHANNEL_SENDERS, type ChannelSender } from '../channels/channel-sender';
import { notificationOf } from '../channels/notification';
import { NotificationRules } from '../rules/notification-rules';
import { DeliveriesRepository, type NewDelivery } from './deliveries.repository';
import { DeliveryDispatcher } from './delivery-dispatcher';

/**
 * Turns a run lifecycle event into one queued delivery per rule that names it. Idempotent: the
 * delivery id is `<runId>:<event>:<rule>` (`<runId>:approval_requested:<stepId>:<rule>` for an
 * approval, as a run may ask for several), so a redelivered event queues nothing twice.
 */
@Injectable()
export class PlanDeliveriesUseCase {
  constructor(
    private readonly rules: NotificationRules,
    private readonly deliveries: DeliveriesRepository,
    private readonly dispatcher: DeliveryDispatcher,
    @Inject(CHANNEL_SENDERS) private readonly senders: ChannelSender[],
  ) {}

  async execute(event: RunLifecycleEvent): Promise<void> {
    const notification = notificationOf(event);
    if (!notification) return;
    const rules = (await this.rules.of(event.workflow, event.version)).filter(({ rule }) => rule.on.includes(notification.event));
    const traceHeaders = injectTraceHeaders();
    const about = notification.stepId === undefined ? notification.event : `${notification.event}:${notification.stepId}`;
    const deliveries: NewDelivery[] = rules.map(({ key, rule }) => {
      const [channel, config] = channelOf(rule);
      return {
        id: `${event.runId}:${about}:${key}`,
        runId: event.runId,
        workflow: event.workflow,
        event: `run.${notification.event}`,
        rule: key,
        channel,
        config,
        target: this.senderFor(channel).targetOf(config),
        notification,
        traceHeaders,
      };
    });
    await this.deliveries.enqueue(deliveries);
    if (deliveries.length > 0) this.dispatcher.kick();
  }

  private senderFor(channel: string): ChannelSender {
    const sender = this.senders.find((s) => s.channel === channel);
    if (!sender) throw new Error(`no sender for channel ${channel}`);
    return sender;
  }
}

function channelOf(rule: NotificationRule): [NewDelivery['channel'], Record<string, unknown>] {
  const channel = NOTIFICATION_CHANNELS.find((name) => rule[name] !== undefined);
  if (!channel) throw new Error('a validated notification rule has a channel');
  return [channel, rule[channel] as unknown as Record<string, unknown>];
}
