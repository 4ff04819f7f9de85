import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { DeliveryEntity } from './deliveries/delivery.entity';
import { CreateDeliveries1763942400000 } from './migrations/1763942400000-create-deliveries';

@Module({
  imports: [
    PersistenceModule.forService({ schema: 'notifier', entities: [DeliveryEntity], migrations: [CreateDeliveries1763942400000] }),
    DeliveriesModule,
  ],
})
export class NotifierModule {}
