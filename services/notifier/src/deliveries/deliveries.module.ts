import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CHANNEL_SENDERS, type ChannelSender } from '../channels/channel-sender';
import { ChatChannel } from '../channels/chat.channel';
import { EmailChannel } from '../channels/email.channel';
import { NatsChannel } from '../channels/nats.channel';
import { WebhookChannel } from '../channels/webhook.channel';
import { GlobalRuleEntity } from '../rules/global-rule.entity';
import { GlobalRulesRepository } from '../rules/global-rules.repository';
import { NotificationRules } from '../rules/notification-rules';
import { RulesRpcHandler } from '../rules/rules.rpc-handler';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesRpcHandler } from './deliveries.rpc-handler';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { DeliveryEntity } from './delivery.entity';
import { PlanDeliveriesUseCase } from './plan-deliveries.use-case';
import { RunLifecycleHandler } from './run-lifecycle.handler';

const CHANNELS = [WebhookChannel, ChatChannel, EmailChannel, NatsChannel];

/** Notification rules (definition and global), the delivery queue, its dispatcher and the channels. */
@Module({
  imports: [TypeOrmModule.forFeature([DeliveryEntity, GlobalRuleEntity], 'notifier')],
  providers: [
    ...CHANNELS,
    { provide: CHANNEL_SENDERS, inject: CHANNELS, useFactory: (...senders: ChannelSender[]) => senders },
    GlobalRulesRepository,
    NotificationRules,
    RulesRpcHandler,
    DeliveriesRepository,
    DeliveryDispatcher,
    PlanDeliveriesUseCase,
    RunLifecycleHandler,
    DeliveriesRpcHandler,
  ],
})
export class DeliveriesModule {}
