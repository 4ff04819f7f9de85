import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { PinnedDefinitionEntity } from './definitions/pinned-definition.entity';
import { EventWaitsModule } from './event-waits/event-waits.module';
import { CreateRuns1763942400000 } from './migrations/1763942400000-create-runs';
import { ChildrenAndEventWaits1764000000000 } from './migrations/1764000000000-children-and-event-waits';
import { HistoryEntryEntity } from './runs/history-entry.entity';
import { RunEntity } from './runs/run.entity';
import { RunsModule } from './runs/runs.module';
import { StepEntity } from './runs/step.entity';

@Module({
  imports: [
    PersistenceModule.forService({
      schema: 'coordinator',
      entities: [RunEntity, StepEntity, HistoryEntryEntity, PinnedDefinitionEntity],
      migrations: [CreateRuns1763942400000, ChildrenAndEventWaits1764000000000],
      poolSize: 20,
    }),
    RunsModule,
    EventWaitsModule,
  ],
})
export class CoordinatorModule {}
