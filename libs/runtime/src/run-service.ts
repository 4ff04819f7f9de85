import 'reflect-metadata';
import { type INestApplicationContext, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type BatonConfig, type Secrets } from '@baton/config';
import { MessagingModule } from '@baton/messaging';
import { shutdownTelemetry } from '@baton/telemetry';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { CoreModule } from './core.module';
import { ServiceHealth } from './service-health';

export interface ServiceDefinition {
  /** `gateway`, `registry`, `scheduler`, `coordinator`, `executor` or `notifier`. */
  name: string;
  module: Type;
  /** Only the gateway serves HTTP; it configures and starts its own listener. */
  listen?: (app: INestApplicationContext, config: BatonConfig) => Promise<void>;
}

/** Probes and scrapes are frequent and uninteresting; every other API request gets one log line. */
const QUIET_ROUTES = /^\/(health\/|metrics)/;

/** Starts one service as a Nest application with its config, NATS, health responder and the process's logger. */
export async function startService(
  service: ServiceDefinition,
  config: BatonConfig,
  secrets: Secrets,
  logger: Logger,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      // One process logger: nestjs-pino keeps the first root logger it is given for the whole process.
      LoggerModule.forRoot({ pinoHttp: { logger, autoLogging: { ignore: (req) => QUIET_ROUTES.test(req.url ?? '') } } }),
      CoreModule.forService(config, secrets, service.name),
      MessagingModule,
      service.module,
    ],
    providers: [ServiceHealth],
  })
  class ServiceRootModule {}

  const app = service.listen
    ? await NestFactory.create(ServiceRootModule, { bufferLogs: true, bodyParser: false })
    : await NestFactory.createApplicationContext(ServiceRootModule, { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  if (service.listen) await service.listen(app, config);
  else await app.init();
  return app;
}

/**
 * Closes the applications in reverse start order on SIGTERM/SIGINT, so the edge stops taking work
 * before the services behind it drain, then flushes spans and exits.
 */
export function closeOnSignal(apps: INestApplicationContext[], logger: Logger, beforeExit: () => Promise<void>): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal} received, shutting down`);
    for (const app of [...apps].reverse()) {
      await app.close().catch((error: unknown) => logger.error(`shutdown: ${(error as Error).message}`));
    }
    await beforeExit();
    await shutdownTelemetry();
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void close(s));
  process.once('SIGINT', (s) => void close(s));
}
