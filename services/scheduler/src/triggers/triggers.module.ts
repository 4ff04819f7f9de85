import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BusinessEventsHandler } from './business-events.handler';
import { MatchEventUseCase } from './match-event.use-case';
import { RejectedEventEntity } from './rejected-event.entity';
import { RejectedEventsRepository } from './rejected-events.repository';
import { TriggersRpcHandler } from './triggers.rpc-handler';

@Module({
  imports: [TypeOrmModule.forFeature([RejectedEventEntity], 'scheduler')],
  providers: [RejectedEventsRepository, MatchEventUseCase, BusinessEventsHandler, TriggersRpcHandler],
})
export class TriggersModule {}
