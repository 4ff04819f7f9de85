export { CoreModule } from './core.module';
export type { ServiceDefinition } from './run-service';
export { ServiceHealth } from './service-health';
export { runServices } from './run-services';
export { Clock, SystemClock } from './clock';
