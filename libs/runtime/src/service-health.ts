import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { HealthReport } from '@baton/contracts';
import { NatsClient, RpcServer, SERVICE_NAME } from '@baton/messaging';
import { SERVICE_DATA_SOURCE } from '@baton/persistence';
import type { DataSource } from 'typeorm';

/**
 * Answers `baton.rpc.<service>.health` with the state of the service's own dependencies, so the
 * gateway's readiness probe reflects the whole platform, not just itself.
 */
@Injectable()
export class ServiceHealth implements OnApplicationBootstrap {
  constructor(
    private readonly nats: NatsClient,
    private readonly rpc: RpcServer,
    private readonly moduleRef: ModuleRef,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
  ) {}

  onApplicationBootstrap(): void {
    this.rpc.respond(`baton.rpc.${this.serviceName}.health`, () => this.check());
  }

  async check(): Promise<HealthReport> {
    const checks: HealthReport['checks'] = { nats: { up: this.nats.isConnected } };
    const dataSource = this.dataSource();
    if (dataSource) {
      try {
        await dataSource.query('SELECT 1');
        checks['postgres'] = { up: true };
      } catch (error) {
        checks['postgres'] = { up: false, detail: (error as Error).message };
      }
    }
    return { service: this.serviceName, checks };
  }

  private dataSource(): DataSource | undefined {
    try {
      return this.moduleRef.get<DataSource>(SERVICE_DATA_SOURCE, { strict: false });
    } catch {
      return undefined;
    }
  }
}
