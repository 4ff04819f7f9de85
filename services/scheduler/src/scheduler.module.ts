import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { CreateRejectedEvents1763942400000 } from './migrations/1763942400000-create-rejected-events';
import { RejectedEventEntity } from './triggers/rejected-event.entity';
import { TriggersModule } from './triggers/triggers.module';

@Module({
  imports: [
    PersistenceModule.forService({ schema: 'scheduler', entities: [RejectedEventEntity], migrations: [CreateRejectedEvents1763942400000] }),
    TriggersModule,
  ],
})
export class SchedulerModule {}
