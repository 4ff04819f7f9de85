import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { DeliveryEntity } from './deliveries/delivery.entity';
import { CreateDeliveries1763942400000 } from './migrations/1763942400000-create-deliveries';
import { ChannelsRetriesAndGlobalRules1764100000000 } from './migrations/1764100000000-channels-retries-and-global-rules';
import { GlobalRuleEntity } from './rules/global-rule.entity';

@Module({
  imports: [
    PersistenceModule.forService({
      schema: 'notifier',
      entities: [DeliveryEntity, GlobalRuleEntity],
      migrations: [CreateDeliveries1763942400000, ChannelsRetriesAndGlobalRules1764100000000],
    }),
    DeliveriesModule,
  ],
})
export class NotifierModule {}
