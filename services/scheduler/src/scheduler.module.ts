import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { CreateRejectedEvents1763942400000 } from './migrations/1763942400000-create-rejected-events';
import { CreateSchedules1764000000000 } from './migrations/1764000000000-create-schedules';
import { ScheduleEntity } from './schedules/schedule.entity';
import { SchedulesModule } from './schedules/schedules.module';
import { RejectedEventEntity } from './triggers/rejected-event.entity';
import { TriggersModule } from './triggers/triggers.module';

@Module({
  imports: [
    PersistenceModule.forService({
      schema: 'scheduler',
      entities: [RejectedEventEntity, ScheduleEntity],
      migrations: [CreateRejectedEvents1763942400000, CreateSchedules1764000000000],
    }),
    TriggersModule,
    SchedulesModule,
  ],
})
export class SchedulerModule {}
