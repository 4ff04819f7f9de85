import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { PinnedDefinitionEntity } from './definitions/pinned-definition.entity';
import { EventWaitsModule } from './event-waits/event-waits.module';
import { InsightsModule } from './insights/insights.module';
import { CreateRuns1763942400000 } from './migrations/1763942400000-create-runs';
import { ChildrenAndEventWaits1764000000000 } from './migrations/1764000000000-children-and-event-waits';
import { RunTraceContext1764300000000 } from './migrations/1764300000000-run-trace-context';
import { SlaAlerts1764400000000 } from './migrations/1764400000000-sla-alerts';
import { HistoryEntryEntity } from './runs/history-entry.entity';
import { RunEntity } from './runs/run.entity';
import { RunsModule } from './runs/runs.module';
import { StepEntity } from './runs/step.entity';

@Module({
  imports: [
    PersistenceModule.forService({
      schema: 'coordinator',
      entities: [RunEntity, StepEntity, HistoryEntryEntity, PinnedDefinitionEntity],
      migrations: [CreateRuns1763942400000, ChildrenAndEventWaits1764000000000, RunTraceContext1764300000000, SlaAlerts1764400000000],
      poolSize: 20,
    }),
    RunsModule,
    EventWaitsModule,
    InsightsModule,
  ],
})
export class CoordinatorModule {}
