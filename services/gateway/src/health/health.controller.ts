import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { NatsClient, RpcClient } from '@baton/messaging';

/** The services behind the gateway; the platform is ready when each answers with healthy dependencies. */
const BACKEND_SERVICES = ['registry', 'scheduler', 'coordinator', 'executor', 'notifier'] as const;
const HEALTH_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly nats: NatsClient,
    private readonly rpc: RpcClient,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'The gateway process is up (liveness)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'NATS is connected and every service reaches its own PostgreSQL schema and NATS (readiness)' })
  ready() {
    return this.health.check([
      () => {
        const check = this.indicators.check('nats');
        return this.nats.isConnected ? check.up() : check.down({ message: 'not connected' });
      },
      ...BACKEND_SERVICES.map((service) => () => this.checkService(service)),
    ]);
  }

  private async checkService(service: (typeof BACKEND_SERVICES)[number]) {
    const check = this.indicators.check(service);
    try {
      const report = await this.rpc.call(`baton.rpc.${service}.health`, {}, HEALTH_TIMEOUT_MS);
      const down = Object.entries(report.checks).filter(([, c]) => !c.up);
      return down.length === 0 ? check.up(report.checks) : check.down(report.checks);
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}
