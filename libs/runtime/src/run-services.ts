import { ConfigError, loadConfig, Secrets } from '@baton/config';
import { createServiceLogger, startTelemetry } from '@baton/telemetry';
import type { INestApplicationContext } from '@nestjs/common';
import { startMetricsServer } from './metrics-server';
import { closeOnSignal, startService, type ServiceDefinition } from './run-service';

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
  const secrets = Secrets.fromEnvironment();
  const logger = createServiceLogger({ name: processName, level: config.BATON_LOG_LEVEL, secretValues: secrets.valuesToMask() });
  const apps: INestApplicationContext[] = [];
  let stopMetrics = async () => {};
  try {
    for (const service of services) apps.push(await startService(service, config, secrets, logger));
    // The gateway serves /metrics on the API port; a process without it opens its own metrics port.
    if (!services.some((service) => service.listen)) {
      const metrics = await startMetricsServer(config.BATON_METRICS_PORT, config.BATON_HTTP_HOST);
      stopMetrics = metrics.stop;
      logger.info(`metrics on ${metrics.url}`);
    }
  } catch (error) {
    logger.fatal(`start-up failed: ${(error as Error).stack ?? String(error)}`);
    await Promise.allSettled([...apps].reverse().map((app) => app.close()));
    logger.flush();
    process.exit(1);
  }
  closeOnSignal(apps, logger, stopMetrics);
  logger.info(`${processName} started: ${services.map((s) => s.name).join(', ')}`);
}
