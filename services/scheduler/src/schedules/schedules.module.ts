import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { outboxProviders } from '@baton/messaging';
import { ScheduleFiring } from './schedule-firing.service';
import { ScheduleSync } from './schedule-sync.service';
import { SchedulesLoop } from './schedules-loop';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesRpcHandler } from './schedules.rpc-handler';

/** Cron schedule triggers: synced from the registry, fired exactly once across replicas, operated through the API. */
@Module({
  providers: [
    ...outboxProviders('scheduler', getDataSourceToken('scheduler')),
    SchedulesRepository,
    ScheduleSync,
    ScheduleFiring,
    SchedulesLoop,
    SchedulesRpcHandler,
  ],
})
export class SchedulesModule {}
