import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { InsightsRepository } from './insights.repository';
import { InsightsRpcHandler } from './insights.rpc-handler';
import { InsightsService } from './insights.service';
import { SlaMonitor } from './sla-monitor';

/** `GET /v1/insights/{workflow}` (over request/reply) and the SLA monitor. */
@Module({
  imports: [RunsModule],
  providers: [InsightsRepository, InsightsService, InsightsRpcHandler, SlaMonitor],
})
export class InsightsModule {}
