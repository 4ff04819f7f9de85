import type { ServiceDefinition } from '@baton/runtime';
import { CoordinatorModule } from './coordinator.module';

export const coordinatorService: ServiceDefinition = { name: 'coordinator', module: CoordinatorModule };
