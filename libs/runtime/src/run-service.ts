import 'reflect-metadata';
import { ConsoleLogger, type INestApplicationContext, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type BatonConfig, type Secrets } from '@baton/config';
import { MessagingModule } from '@baton/messaging';
import { shutdownTelemetry } from '@baton/telemetry';
import { CoreModule } from './core.module';
import { ServiceHealth } from './service-health';

export interface ServiceDefinition {
  /** `gateway`, `registry`, `scheduler`, `coordinator`, `executor` or `notifier`. */
  name: string;
  module: Type;
  /** Only the gateway serves HTTP; it configures and starts its own listener. */
  listen?: (app: INestApplicationContext, config: BatonConfig) => Promise<void>;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;

export function createLogger(serviceName: string, config: BatonConfig): ConsoleLogger {
  const threshold = LOG_LEVELS.indexOf(config.BATON_LOG_LEVEL as (typeof LOG_LEVELS)[number]);
  return new ConsoleLogger(serviceName, { json: true, logLevels: [...LOG_LEVELS.slice(0, threshold + 1)] });
}

/** Starts one service as a Nest application with its config, NATS, health responder and logger. */
export async function startService(service: ServiceDefinition, config: BatonConfig, secrets: Secrets): Promise<INestApplicationContext> {
  @Module({
    imports: [CoreModule.forService(config, secrets, service.name), MessagingModule, service.module],
    providers: [ServiceHealth],
  })
  class ServiceRootModule {}

  const logger = createLogger(service.name, config);
  if (service.listen) {
    const app = await NestFactory.create(ServiceRootModule, { logger, bodyParser: false });
    await service.listen(app, config);
    return app;
  }
  const app = await NestFactory.createApplicationContext(ServiceRootModule, { logger });
  await app.init();
  return app;
}

/**
 * Closes the applications in reverse start order on SIGTERM/SIGINT, so the edge stops taking work
 * before the services behind it drain, then flushes spans and exits.
 */
export function closeOnSignal(apps: INestApplicationContext[], logger: ConsoleLogger): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received, shutting down`);
    for (const app of [...apps].reverse()) {
      await app.close().catch((error: unknown) => logger.error(`shutdown: ${(error as Error).message}`));
    }
    await shutdownTelemetry();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void close(s));
  process.once('SIGINT', (s) => void close(s));
}
