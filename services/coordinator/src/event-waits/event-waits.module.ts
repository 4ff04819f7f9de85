import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { EventArrivalsHandler } from './event-arrivals.handler';

/** `waitForEvent`: business events offered to the runs waiting for them. */
@Module({
  imports: [RunsModule],
  providers: [EventArrivalsHandler],
})
export class EventWaitsModule {}
