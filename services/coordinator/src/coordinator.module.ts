import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { PinnedDefinitionEntity } from './definitions/pinned-definition.entity';
import { CreateRuns1763942400000 } from './migrations/1763942400000-create-runs';
import { HistoryEntryEntity } from './runs/history-entry.entity';
import { RunEntity } from './runs/run.entity';
import { RunsModule } from './runs/runs.module';
import { StepEntity } from './runs/step.entity';

@Module({
  imports: [
    PersistenceModule.forService({
      schema: 'coordinator',
      entities: [RunEntity, StepEntity, HistoryEntryEntity, PinnedDefinitionEntity],
      migrations: [CreateRuns1763942400000],
      poolSize: 20,
    }),
    RunsModule,
  ],
})
export class CoordinatorModule {}
