import type { ServiceDefinition } from '@baton/runtime';
import { SchedulerModule } from './scheduler.module';

export const schedulerService: ServiceDefinition = { name: 'scheduler', module: SchedulerModule };
