import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliverRunNotificationsUseCase } from './deliver-run-notifications.use-case';
import { DeliveryEntity } from './delivery.entity';
import { NotificationRules } from './notification-rules';
import { RunLifecycleHandler } from './run-lifecycle.handler';
import { WebhookSender } from './webhook-sender';

@Module({
  imports: [TypeOrmModule.forFeature([DeliveryEntity], 'notifier')],
  providers: [NotificationRules, DeliveriesRepository, WebhookSender, DeliverRunNotificationsUseCase, RunLifecycleHandler],
})
export class DeliveriesModule {}
