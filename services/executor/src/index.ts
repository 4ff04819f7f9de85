import type { ServiceDefinition } from '@baton/runtime';
import { ExecutorModule } from './executor.module';

export const executorService: ServiceDefinition = { name: 'executor', module: ExecutorModule };
