import { Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { Outbox, OutboxRelay, outboxProviders } from '@baton/messaging';
import { PinnedDefinitionEntity } from '../definitions/pinned-definition.entity';
import { PinnedDefinitions } from '../definitions/pinned-definitions';
import { EventWaitsRepository } from './event-waits.repository';
import { RunCommandsHandler } from './run-commands.handler';
import { RunQueries } from './run-queries.service';
import { RunTransitions } from './run-transitions.service';
import { RunsRepository } from './runs.repository';
import { RunsRpcHandler } from './runs.rpc-handler';

const SCHEMA = 'coordinator';

@Module({
  imports: [TypeOrmModule.forFeature([PinnedDefinitionEntity], SCHEMA)],
  providers: [
    ...outboxProviders(SCHEMA, getDataSourceToken(SCHEMA)),
    PinnedDefinitions,
    RunsRepository,
    EventWaitsRepository,
    RunTransitions,
    RunQueries,
    RunsRpcHandler,
    RunCommandsHandler,
  ],
  // The outbox and its relay are the schema's one pair: the SLA monitor writes its alerts through them too.
  exports: [RunTransitions, EventWaitsRepository, RunsRepository, PinnedDefinitions, Outbox, OutboxRelay],
})
export class RunsModule {}
