import { ConfigError, loadConfig, Secrets } from '@baton/config';
import { startTelemetry } from '@baton/telemetry';
import type { INestApplicationContext } from '@nestjs/common';
import { closeOnSignal, createLogger, startService, type ServiceDefinition } from './run-service';

/**
 * The `main` of every Baton process: validate config, start tracing, start each service in order,
 * and close them all on SIGTERM. A standalone service passes one definition, the all-in-one six.
 */
export async function runServices(processName: string, services: ServiceDefinition[]): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  startTelemetry({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, disabled: config.OTEL_SDK_DISABLED });
  const logger = createLogger(processName, config);
  const apps: INestApplicationContext[] = [];
  try {
    const secrets = Secrets.fromEnvironment();
    for (const service of services) apps.push(await startService(service, config, secrets));
  } catch (error) {
    logger.fatal(`start-up failed: ${(error as Error).stack ?? String(error)}`);
    await Promise.allSettled([...apps].reverse().map((app) => app.close()));
    process.exit(1);
  }
  closeOnSignal(apps, logger);
  logger.log(`${processName} started: ${services.map((s) => s.name).join(', ')}`);
}
