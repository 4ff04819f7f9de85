import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AuditController } from './audit/audit.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditLog } from './audit/audit-log';
import { ApiKeyGuard } from './auth/api-key.guard';
import { Authorizer } from './auth/authorizer';
import { DefinitionsController } from './definitions/definitions.controller';
import { EventPublishing } from './events/event-publishing';
import { EventsController } from './events/events.controller';
import { GrpcApi } from './grpc/grpc-api';
import { HealthController } from './health/health.controller';
import { InsightsController } from './insights/insights.controller';
import { MetricsController } from './metrics/metrics.controller';
import { NotificationsController } from './notifications/notifications.controller';
import { RunsController } from './runs/runs.controller';
import { SchedulesController } from './schedules/schedules.controller';

/** The public edge: thin controllers that validate and forward to the owning service over NATS. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [
    DefinitionsController,
    RunsController,
    EventsController,
    SchedulesController,
    InsightsController,
    HealthController,
    MetricsController,
    NotificationsController,
    AuditController,
  ],
  providers: [
    AuditLog,
    Authorizer,
    EventPublishing,
    GrpcApi,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
  ],
})
export class GatewayModule {}
